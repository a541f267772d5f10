"""Reads an ISO 9660 image with pycdlib and prints what it finds as one JSON document.

Usage: python3 pycdlib_probe.py IMAGE

For each tree (the primary one and, when pycdlib finds it, the Joliet one): every entry with its
path, type, size and the SHA-256 of the bytes pycdlib streams for it (never written to disk);
every directory with the raw records of its extent, in the order they are recorded; the L and M
path tables as recorded. Also the raw fields of each volume descriptor. The raw parts are read
straight from the file at the places pycdlib reports, so a test can check the layout rules
(records inside one sector, record order, dates) on the same bytes pycdlib accepted.
"""

import hashlib
import json
import struct
import sys

import pycdlib

BLOCK = 2048


class HashWriter:
    """A file-like sink that hashes and counts what pycdlib writes into it."""

    def __init__(self):
        self.sha = hashlib.sha256()
        self.count = 0

    def write(self, data):
        self.sha.update(data)
        self.count += len(data)
        return len(data)


def decode(ident, namespace):
    if namespace == "joliet":
        return ident.decode("utf-16-be")
    return ident.decode("latin-1")


def raw_records(image, extent, length):
    """Every directory record of an extent, in recorded order, with its offset in the extent."""
    image.seek(extent * BLOCK)
    data = image.read(length)
    records = []
    gaps = []
    off = 0
    while off < len(data):
        n = data[off]
        if n == 0:
            nxt = (off // BLOCK + 1) * BLOCK
            gaps.append({"from": off, "to": nxt, "zero": data[off:nxt] == bytes(nxt - off)})
            off = nxt
            continue
        rec = data[off:off + n]
        len_fi = rec[32] if len(rec) > 32 else 0
        records.append({
            "offset": off,
            "len": n,
            "extent_le": struct.unpack_from("<I", rec, 2)[0],
            "extent_be": struct.unpack_from(">I", rec, 6)[0],
            "size_le": struct.unpack_from("<I", rec, 10)[0],
            "size_be": struct.unpack_from(">I", rec, 14)[0],
            "date": list(rec[18:25]),
            "flags": rec[25],
            "id": rec[33:33 + len_fi].hex(),
        })
        off += n
    return {"records": records, "gaps": gaps, "read": len(data)}


def path_table(image, vd, little):
    size = vd.path_table_size()
    where = vd.path_table_location_le if little else vd.path_table_location_be
    image.seek(where * BLOCK)
    data = image.read(size)
    fmt = "<IH" if little else ">IH"
    rows = []
    off = 0
    while off < size:
        len_di = data[off]
        extent, parent = struct.unpack_from(fmt, data, off + 2)
        ident = data[off + 8:off + 8 + len_di]
        rows.append({"extent": extent, "parent": parent, "id": ident.hex()})
        off += 8 + len_di + (len_di & 1)
    return {"location": where, "size": size, "rows": rows}


def descriptors(image):
    """The raw fields of every volume descriptor up to the terminator."""
    out = []
    sector = 16
    while sector < 16 + 64:
        image.seek(sector * BLOCK)
        d = image.read(BLOCK)
        if len(d) < BLOCK or d[1:6] != b"CD001":
            break
        out.append({
            "sector": sector,
            "type": d[0],
            "volume_id": d[40:72].hex(),
            "space_le": struct.unpack_from("<I", d, 80)[0],
            "space_be": struct.unpack_from(">I", d, 84)[0],
            "escapes": d[88:120].hex(),
            "dates": [d[off:off + 17].hex() for off in (813, 830, 847, 864)],
            "root_extent": struct.unpack_from("<I", d, 156 + 2)[0],
        })
        if d[0] == 255:
            break
        sector += 1
    return out


def walk(iso, image, namespace, path, entries, dirs):
    key = namespace + "_path"
    rec = iso.get_record(**{key: path})
    info = raw_records(image, rec.extent_location(), rec.get_data_length())
    info.update({"path": path, "extent": rec.extent_location(), "size": rec.get_data_length()})
    dirs.append(info)
    for child in iso.list_children(**{key: path}):
        if child.is_dot() or child.is_dotdot():
            continue
        name = decode(child.file_identifier(), namespace)
        child_path = path.rstrip("/") + "/" + name
        if child.is_dir():
            entries.append({"path": child_path, "type": "d", "size": 0,
                            "extent": child.extent_location()})
            walk(iso, image, namespace, child_path, entries, dirs)
        else:
            sink = HashWriter()
            iso.get_file_from_iso_fp(sink, **{key: child_path})
            entries.append({"path": child_path, "type": "f", "size": sink.count,
                            "sha256": sink.sha.hexdigest(), "extent": child.extent_location()})


def main():
    name = sys.argv[1]
    iso = pycdlib.PyCdlib()
    iso.open(name)
    out = {"version": getattr(pycdlib, "__version__", "?"), "trees": {}}
    with open(name, "rb") as image:
        out["descriptors"] = descriptors(image)
        trees = [("iso", iso.pvd)]
        if iso.joliet_vd is not None:
            trees.append(("joliet", iso.joliet_vd))
        for namespace, vd in trees:
            entries = []
            dirs = []
            walk(iso, image, namespace, "/", entries, dirs)
            out["trees"][namespace] = {
                "entries": entries,
                "dirs": dirs,
                "path_table_l": path_table(image, vd, True),
                "path_table_m": path_table(image, vd, False),
            }
    iso.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
