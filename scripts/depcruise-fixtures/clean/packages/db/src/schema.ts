export const runs = { name: 'runs' };
