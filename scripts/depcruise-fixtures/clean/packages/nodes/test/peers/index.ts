export const peerUrl = 'http://127.0.0.1:0';
