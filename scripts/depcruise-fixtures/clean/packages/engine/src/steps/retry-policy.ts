export function retryDelay(attempt: number): number {
  return 2 ** attempt * 100;
}
