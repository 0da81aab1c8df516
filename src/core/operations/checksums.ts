import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import type { CHECKSUM_ALGORITHMS } from "../model/operation.js";

export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** An incremental checksum: feed chunks, then take the digest's bytes (big-endian for CRCs). */
export interface Checksum {
  update(chunk: Uint8Array): void;
  digest(): Uint8Array;
}

const hash = (name: string) => (): Checksum => {
  const h = createHash(name);
  return { update: (c) => void h.update(c), digest: () => new Uint8Array(h.digest()) };
};

/** A reflected CRC of up to 32 bits from its 256-entry table. */
function crc32Table(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function tableCrc32(table: Uint32Array) {
  return (): Checksum => {
    let crc = 0xffffffff;
    return {
      update(chunk) {
        for (let i = 0; i < chunk.length; i++) crc = table[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
      },
      digest: () => be32((crc ^ 0xffffffff) >>> 0),
    };
  };
}

const CRC32C_TABLE = crc32Table(0x82f63b78);
const CRC32_TABLE = crc32Table(0xedb88320);

/** zlib.crc32 exists from Node 20.15; the table serves older runtimes. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
function crc32(): Checksum {
  if (!nativeCrc32) return tableCrc32(CRC32_TABLE)();
  let crc = 0;
  return { update: (c) => void (crc = nativeCrc32(c, crc)), digest: () => be32(crc >>> 0) };
}

/** CRC-64/NVME: reflected, polynomial 0x9A6C9329AC4BC9B5, init and final xor all ones. */
const CRC64_TABLE = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  const table: bigint[] = [];
  for (let n = 0n; n < 256n; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    table.push(c);
  }
  return table;
})();
const MASK64 = 0xffffffffffffffffn;

function crc64nvme(): Checksum {
  let crc = MASK64;
  return {
    update(chunk) {
      for (let i = 0; i < chunk.length; i++) crc = CRC64_TABLE[Number((crc ^ BigInt(chunk[i]!)) & 0xffn)]! ^ (crc >> 8n);
    },
    digest() {
      const v = crc ^ MASK64;
      const out = new Uint8Array(8);
      for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(56 - 8 * i)) & 0xffn);
      return out;
    },
  };
}

function be32(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

/**
 * The algorithms this engine computes. The XXHASH family is not here: a task asking for one fails
 * with UnsupportedChecksumAlgorithm rather than a made-up value.
 */
export const CHECKSUMS: Partial<Record<ChecksumAlgorithm, () => Checksum>> = {
  CRC32: crc32,
  CRC32C: tableCrc32(CRC32C_TABLE),
  CRC64NVME: crc64nvme,
  MD5: hash("md5"),
  SHA1: hash("sha1"),
  SHA256: hash("sha256"),
  SHA512: hash("sha512"),
};
