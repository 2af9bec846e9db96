export const newId = (): string => 'id';
