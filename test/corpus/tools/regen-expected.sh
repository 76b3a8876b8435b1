#!/bin/bash
# Rebuild corpus/expected/ from corpus/captures/ with tshark.
# Usage: bash tools/regen-expected.sh     (needs tshark; the shipped oracle was made with TShark 4.0.17)
set -u
cd "$(dirname "$0")/../captures"      # run inside captures/ so messages name only the file
export LC_ALL=C
export WIRESHARK_CONFIG_DIR="$(mktemp -d)"     # no personal preferences: every dissector preference at its default
mkdir -p ../expected
rm -f ../expected/*

FIELDS="-e frame.number -e frame.len -e frame.cap_len -e frame.time_epoch -e eth.src -e eth.dst -e vlan.id -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e ip.ttl -e ip.proto -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e erspan.spanid -e gre.proto"
EXTRA="-e frame.number -e frame.interface_id -e frame.encap_type -e frame.protocols -e ieee8021ad.id -e erspan.version -e gre.key -e gre.sequence_number -e ip.id -e ip.flags.mf -e ip.frag_offset -e ipv6.nxt -e tcp.stream -e udp.stream"
NODEFRAG="-o ip.defragment:FALSE -o ipv6.defragment:FALSE"

strip() { grep -v '^Running as user' "$1" || true; }

for f in *; do
  e="../expected/$f"
  # 1. per-packet fields (the primary oracle)
  tshark -r "$f" -T fields -E header=y -E separator=/t $FIELDS > "$e.tsv" 2> "$e.stderr"
  rc=$?
  strip "$e.stderr" > "$e.msg"
  npk=$(wc -l < "$e.tsv"); [ "$npk" -gt 0 ] && npk=$((npk - 1))
  if [ $rc -ne 0 ]; then
    { echo "tshark exit status: $rc"; echo "packets printed before the error: $npk"; cat "$e.msg"; } > "$e.error.txt"
    [ $npk -le 0 ] && rm -f "$e.tsv"          # rejected outright: only the error file remains
  elif [ -s "$e.msg" ]; then
    cp "$e.msg" "$e.stderr.txt"                # warnings on a successful read (none expected)
  fi
  rm -f "$e.stderr" "$e.msg"
  [ -f "$e.tsv" ] || continue
  # 2. supplementary per-packet fields (layer order, encapsulation, fragmentation, stream ids)
  tshark -r "$f" -T fields -E header=y -E separator=/t $EXTRA > "$e.extra.tsv" 2>/dev/null
  has_l4=$(cut -f4 "$e.extra.tsv" | tail -n +2 | tr ':' '\n' | grep -cxE 'tcp|udp')
  # 3. conversation tables
  if [ "$has_l4" -gt 0 ]; then
    tshark -r "$f" -q -z conv,tcp -z conv,udp > "$e.conv.txt" 2>/dev/null
  fi
  # 4. the same without IP reassembly, kept only where it differs
  tshark $NODEFRAG -r "$f" -T fields -E header=y -E separator=/t $FIELDS > "$e.nodefrag.tsv" 2>/dev/null
  if cmp -s "$e.tsv" "$e.nodefrag.tsv"; then
    rm -f "$e.nodefrag.tsv"
  else
    # 5. (vmkscope addition) the layer list without reassembly, to read the nodefrag oracle by,
    #    plus ip.len (the outer datagram sizes of fragmented mirror copies, which padding hides in
    #    frame.len) and the IPv6 fragment header fields
    tshark $NODEFRAG -r "$f" -T fields -E header=y -E separator=/t $EXTRA -e ip.len -e ipv6.fraghdr.offset -e ipv6.fraghdr.more -e ipv6.fraghdr.ident > "$e.nodefrag.extra.tsv" 2>/dev/null
    if [ "$has_l4" -gt 0 ]; then
      tshark $NODEFRAG -r "$f" -q -z conv,tcp -z conv,udp > "$e.nodefrag.conv.txt" 2>/dev/null
    fi
  fi
done
rm -rf "$WIRESHARK_CONFIG_DIR"
