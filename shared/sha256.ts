import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/**
 * SHA-256 and HMAC-SHA256 from node:crypto, in the shape the SDK's signer wants: what
 * shared/aws-request.ts signs with, and, in the Lambda bundles only (an esbuild alias in
 * serverless.yml), the stand-in for @smithy/core/checksum, whose only import by the clients
 * irwatch builds is this `Sha256`: the module's JavaScript fallback (for runtimes without
 * node:crypto) and its other checksums are about 3 KB per function that Lambda never runs.
 */
export class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac('sha256', bytesOf(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    // A plain hash may be read and then updated further, as the SDK's own class allows.
    const digest = 'copy' in this.hash ? this.hash.copy().digest() : this.hash.digest();
    return Promise.resolve(new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength));
  }
  reset(): void {
    this.hash = this.create();
  }
}
