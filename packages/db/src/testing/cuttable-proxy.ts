// A loopback TCP proxy in front of Postgres that tests use to cut connections the way a restart, a failover or
// a network fault does: every socket at once, or each new connection just as it sends its first statement —
// or to lose what started connections send, without closing them, as a half-dead network path does (all of
// it, or from a connection's next COMMIT on).
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** ReadyForQuery ('Z', length 5): the server's last message of a connection's start-up. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);
/**
 * A COMMIT in what a connection sends (dropFromCommit): the whole text of a Parse message's statement (after
 * its name's terminating zero) or of a simple Query ('Q' and its length, 11) — not the word in a parameter.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the protocol's zero bytes and length are the point
const COMMIT = /(?:\0|Q\0\0\0\x0b)commit\0/i;

export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private firstQueryCut: { thenRefuse: boolean; done: () => void } | undefined;
  private dropping = false;
  private droppingFromCommit = false;
  /** The port it listens on (127.0.0.1), kept across cut and open. */
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Points a postgres:// URL at the proxy. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Starts (again) to accept connections and pass them through. */
  async open(): Promise<void> {
    const server = createServer((client) => this.pass(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
  }

  /** Drops every connection and refuses new ones until open() is called. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Drops the next connection to send its first statement after start-up, as it sends it (Postgres never sees
   * it); with `thenRefuse`, new connections are refused from then on, as while Postgres is down, until open().
   * Resolves when it has cut.
   */
  cutNextAtFirstStatement(options: { thenRefuse: boolean }): Promise<void> {
    return new Promise((resolve) => {
      this.firstQueryCut = { thenRefuse: options.thenRefuse, done: resolve };
    });
  }

  /**
   * From now on what started connections send is lost on the way (Postgres never sees it, and nothing
   * answers), while every socket stays open; passStatements() ends that for what is sent after it.
   */
  dropStatements(): void {
    this.dropping = true;
  }

  /**
   * From now on a connection that sends its first COMMIT (one it has not prepared yet: the text goes only
   * once) loses it on the way, and everything it sends after it (Postgres never sees them), and the
   * connection goes dark both ways: nothing Postgres sends it arrives, not even its end, while the client's
   * socket stays open. Its transaction stays open on Postgres, uncommitted, until Postgres ends it
   * (idle_in_transaction_session_timeout) or the proxy cuts it. Other connections go on. passStatements()
   * ends it for connections that have not sent a COMMIT since.
   */
  dropFromCommit(): void {
    this.droppingFromCommit = true;
  }

  /** Passes what connections send again (see dropStatements and dropFromCommit). */
  passStatements(): void {
    this.dropping = false;
    this.droppingFromCommit = false;
  }

  private pass(client: Socket): void {
    const upstream = tcpConnect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => this.sockets.delete(s));
    }
    let started = false;
    let sentStatement = false;
    let lostAtCommit = false;
    upstream.on('data', (chunk: Buffer) => {
      if (lostAtCommit) return;
      if (!started && chunk.includes(READY_FOR_QUERY)) started = true;
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      const cut = this.firstQueryCut;
      const first = started && !sentStatement;
      if (started && this.dropping) return;
      // a connection's first COMMIT only: postgres.js prepares it, and later ones send its name, not its text
      if (started && this.droppingFromCommit && COMMIT.test(chunk.toString('latin1'))) lostAtCommit = true;
      if (lostAtCommit) return;
      if (started) sentStatement = true;
      if (first && cut) {
        this.firstQueryCut = undefined;
        client.destroy();
        upstream.destroy();
        if (cut.thenRefuse) void this.cut().then(cut.done);
        else cut.done();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('end', () => {
      if (!lostAtCommit) client.end();
    });
    client.on('end', () => upstream.end());
  }
}
