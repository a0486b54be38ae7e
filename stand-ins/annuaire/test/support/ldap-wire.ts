// The client side of the wire, for tests that must send what no well-behaved client sends
// (malformed BER, hostile filters, pipelined requests) or read raw responses: request encoders,
// a response decoder, and a raw socket client.

import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { BerReader, BerWriter, Tag } from '../../src/ldap/ber.ts';
import { encodeFilter, type FilterNode } from '../../src/ldap/filter.ts';
import { MessageFramer } from '../../src/ldap/framing.ts';
import { OpTag } from '../../src/ldap/messages.ts';

export interface SearchRequestFields {
  baseObject: string;
  scope: 0 | 1 | 2;
  derefAliases?: number;
  sizeLimit?: number;
  timeLimit?: number;
  typesOnly?: boolean;
  filter: FilterNode;
  attributes?: string[];
  /** Bytes sent in place of the encoded filter, to send what no encoder would produce. */
  rawFilter?: Buffer;
}

export interface WireControl {
  type: string;
  critical?: boolean;
  value?: string;
}

function envelope(messageId: number, body: (writer: BerWriter) => void, controls: WireControl[] = []): Buffer {
  const writer = new BerWriter();
  writer.startConstructed().writeInteger(messageId);
  body(writer);
  if (controls.length > 0) {
    writer.startConstructed(0xa0);
    for (const control of controls) {
      writer.startConstructed().writeOctetString(control.type);
      if (control.critical) writer.writeBoolean(true);
      if (control.value !== undefined) writer.writeOctetString(control.value);
      writer.endConstructed();
    }
    writer.endConstructed();
  }
  return writer.endConstructed().finish();
}

export function bindRequest(messageId: number, name = '', password = '', version = 3): Buffer {
  return envelope(messageId, (w) =>
    w.startConstructed(OpTag.bindRequest).writeInteger(version).writeOctetString(name).writeOctetString(password, 0x80).endConstructed(),
  );
}

export function saslBindRequest(messageId: number, mechanism: string): Buffer {
  return envelope(messageId, (w) =>
    w
      .startConstructed(OpTag.bindRequest)
      .writeInteger(3)
      .writeOctetString('')
      .startConstructed(0xa3)
      .writeOctetString(mechanism)
      .endConstructed()
      .endConstructed(),
  );
}

export function searchRequest(messageId: number, fields: SearchRequestFields, controls: WireControl[] = []): Buffer {
  return envelope(
    messageId,
    (w) => {
      w.startConstructed(OpTag.searchRequest)
        .writeOctetString(fields.baseObject)
        .writeEnumerated(fields.scope)
        .writeEnumerated(fields.derefAliases ?? 0)
        .writeInteger(fields.sizeLimit ?? 0)
        .writeInteger(fields.timeLimit ?? 0)
        .writeBoolean(fields.typesOnly ?? false);
      if (fields.rawFilter) w.writeRaw(fields.rawFilter);
      else encodeFilter(w, fields.filter);
      w.startConstructed(Tag.sequence);
      for (const attribute of fields.attributes ?? []) w.writeOctetString(attribute);
      w.endConstructed().endConstructed();
    },
    controls,
  );
}

export function unbindRequest(messageId: number): Buffer {
  return envelope(messageId, (w) => w.writeNull(OpTag.unbindRequest));
}

export function abandonRequest(messageId: number, target: number): Buffer {
  return envelope(messageId, (w) => w.writeInteger(target, OpTag.abandonRequest));
}

export function extendedRequest(messageId: number, name: string, value?: string): Buffer {
  return envelope(messageId, (w) => {
    w.startConstructed(OpTag.extendedRequest).writeOctetString(name, 0x80);
    if (value !== undefined) w.writeOctetString(value, 0x81);
    w.endConstructed();
  });
}

export function deleteRequest(messageId: number, dn: string): Buffer {
  return envelope(messageId, (w) => w.writeOctetString(dn, OpTag.delRequest));
}

export type WireResponse =
  | { messageId: number; kind: 'entry'; dn: string; attributes: Map<string, string[]> }
  | {
      messageId: number;
      kind: 'result';
      tag: number;
      resultCode: number;
      matchedDN: string;
      diagnosticMessage: string;
      responseName?: string;
      responseValue?: string;
    };

export function decodeResponse(bytes: Buffer): WireResponse {
  const message = new BerReader(bytes).readConstructed();
  const messageId = message.readInteger();
  const tag = message.peekTag();
  const body = message.readConstructed(tag);
  if (tag === OpTag.searchResultEntry) {
    const dn = body.readString();
    const list = body.readConstructed();
    const attributes = new Map<string, string[]>();
    while (!list.done) {
      const attribute = list.readConstructed();
      const type = attribute.readString();
      const set = attribute.readConstructed(Tag.set);
      const values: string[] = [];
      while (!set.done) values.push(set.readString());
      attributes.set(type, values);
    }
    return { messageId, kind: 'entry', dn, attributes };
  }
  const resultCode = body.readEnumerated();
  const matchedDN = body.readString();
  const diagnosticMessage = body.readString();
  const response: WireResponse = { messageId, kind: 'result', tag, resultCode, matchedDN, diagnosticMessage };
  if (body.peekTag() === 0x8a) response.responseName = body.readString(0x8a);
  if (body.peekTag() === 0x8b) response.responseValue = body.readString(0x8b);
  return response;
}

/** A socket that collects every response the server sends, for assertions at leisure. */
export class RawClient {
  readonly socket: Socket;
  readonly responses: WireResponse[] = [];
  private readonly framer = new MessageFramer(64 * 1024 * 1024);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      for (let frame = this.framer.next(); frame !== null; frame = this.framer.next()) this.responses.push(decodeResponse(frame));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** `localAddress`: another loopback address (127.0.0.2) to be another client. */
  static async connect(port: number, localAddress?: string): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  send(bytes: Buffer | Uint8Array): void {
    this.socket.write(bytes);
  }

  /**
   * Waits until `predicate` holds over the responses so far (or the socket closes). The default
   * deadline is generous: it costs nothing when the answer comes, and a loaded CI machine may take seconds.
   */
  async until(predicate: (responses: WireResponse[]) => boolean, timeoutMs = 30_000): Promise<WireResponse[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.responses)) {
      if (this.closed) throw new Error(`connection closed; responses so far: ${JSON.stringify(this.responses.map(summary))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; responses so far: ${JSON.stringify(this.responses.map(summary))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.responses;
  }

  /** The SearchResultDone (or other final result) of `messageId`, once it has arrived. */
  async result(messageId: number, timeoutMs?: number): Promise<Extract<WireResponse, { kind: 'result' }>> {
    const responses = await this.until((all) => all.some((r) => r.messageId === messageId && r.kind === 'result'), timeoutMs);
    return responses.find((r) => r.messageId === messageId && r.kind === 'result') as Extract<WireResponse, { kind: 'result' }>;
  }

  entries(messageId: number): Extract<WireResponse, { kind: 'entry' }>[] {
    return this.responses.filter((r): r is Extract<WireResponse, { kind: 'entry' }> => r.messageId === messageId && r.kind === 'entry');
  }

  async waitClosed(timeoutMs = 30_000): Promise<void> {
    if (this.closed) return;
    await Promise.race([
      once(this.socket, 'close'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not close the connection')), timeoutMs).unref()),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }
}

function summary(response: WireResponse): unknown {
  return response.kind === 'entry'
    ? { id: response.messageId, entry: response.dn }
    : { id: response.messageId, tag: response.tag, code: response.resultCode, text: response.diagnosticMessage };
}
