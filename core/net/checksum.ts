/** Write the IPv4 header checksum (RFC 791) of the 20-byte header at buf[off], checksum field zeroed first. */
export function writeIpv4HeaderChecksum(buf: Uint8Array, off: number): void {
  buf[off + 10] = 0;
  buf[off + 11] = 0;
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (buf[off + i] << 8) | buf[off + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  buf[off + 10] = ck >> 8;
  buf[off + 11] = ck & 0xff;
}
