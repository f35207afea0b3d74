#!/usr/bin/env python3
"""Compares testssl.sh's --jsonfile output with Mozilla's "intermediate" TLS profile.

    check_testssl.py testssl.json rsa|ecdsa

Reads only the `id` and `finding` members of testssl's flat JSON (stable across its versions),
prints every deviation, and exits 1 if there is one. The key type says which half of the
TLS 1.2 suites a server with that certificate can offer.
"""
import json
import sys

# https://ssl-config.mozilla.org/guidelines/5.7.json, "intermediate".
TLS13 = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
TLS12 = {
    "rsa": {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
            "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305"},
    "ecdsa": {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}
CURVES = {"X25519", "prime256v1", "secp384r1"}
DH_GROUPS = {"ffdhe2048"}
PROTOCOLS = {"SSLv2": False, "SSLv3": False, "TLS1": False, "TLS1_1": False, "TLS1_2": True, "TLS1_3": True}


def main():
    path, kind = sys.argv[1], sys.argv[2]
    with open(path) as f:
        findings = json.load(f)
    by_id = {}
    for entry in findings:
        by_id.setdefault(entry.get("id", ""), []).append(entry.get("finding", ""))
    problems = []

    for proto, wanted in PROTOCOLS.items():
        found = by_id.get(proto)
        if not found:
            problems.append(f"testssl did not report on {proto}")
            continue
        offered = found[0].startswith("offered")
        if offered != wanted:
            problems.append(f"{proto}: {found[0]!r}, the profile wants it {'offered' if wanted else 'not offered'}")

    ciphers = set()
    for cid, values in by_id.items():
        if cid.startswith("cipher_x") or cid.startswith("cipher-"):
            for v in values:
                parts = v.split()
                if len(parts) >= 2:
                    ciphers.add(parts[1])
    expected = TLS13 | TLS12[kind]
    if not ciphers:
        problems.append("testssl listed no cipher at all")
    for extra in sorted(ciphers - expected):
        problems.append(f"cipher offered outside the profile: {extra}")
    for missing in sorted(expected - ciphers):
        problems.append(f"cipher of the profile not offered: {missing}")

    curves = set(" ".join(by_id.get("PFS_ECDHE_curves", by_id.get("FS_ECDHE_curves", [""]))).split())
    if curves != CURVES:
        problems.append(f"ECDHE curves {sorted(curves)}, the profile wants {sorted(CURVES)}")
    if kind == "rsa":
        groups = set(" ".join(by_id.get("DH_groups", [""])).split())
        if groups != DH_GROUPS:
            problems.append(f"DH groups {sorted(groups)}, the profile wants {sorted(DH_GROUPS)}")

    crime = by_id.get("CRIME_TLS", ["(not reported)"])[0]
    if not crime.startswith("not vulnerable"):
        problems.append(f"TLS compression (CRIME): {crime!r}")

    # The profile leaves the choice to the client (every suite on its list is strong).
    order = by_id.get("cipher_order", ["(not reported)"])[0]
    if "NOT a cipher order" not in order:
        problems.append(f"cipher order: {order!r}; the profile leaves it to the client")

    for p in problems:
        print(f"DEVIATION ({kind}): {p}")
    if not problems:
        print(f"ok ({kind}): protocols TLS1.2+1.3, {len(ciphers)} ciphers as the profile, curves {sorted(curves)}, "
              f"no compression, client cipher order")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
