"""Runs the README's Python webhook check against fixture.json.

The check is not copied here: the block that follows the marker comment in README.md is run
as written, so the README cannot drift from what is tested. Its clock is replaced, so the
fixed vector stays valid. Usage: python3 verify.py (cargo xtask compat runs it).
"""

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
README = HERE.parent.parent / "README.md"
MARKER = "<!-- compat/webhook/verify.py runs the next block -->"


def readme_block(marker):
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(marker) + r"\s*```[a-z]*\n(.*?)\n```", text, re.S)
    if not found:
        sys.exit(f"{README}: no code block after {marker!r}")
    return found.group(1)


class Clock:
    """Stands in for the `time` module the README's block imports."""

    now = 0.0

    def time(self):
        return self.now


def main():
    fixture = json.loads((HERE / "fixture.json").read_text(encoding="utf-8"))
    secret, timestamp = fixture["secret"], fixture["timestamp"]
    body, signature = fixture["body"].encode(), fixture["signature"]

    namespace = {}
    exec(compile(readme_block(MARKER), "README.md (Python block)", "exec"), namespace)
    verify = namespace["verify_webhook"]
    clock = Clock()
    namespace["time"] = clock
    signed_at = int(timestamp)

    def check(expected, now=signed_at, **changes):
        clock.now = now
        args = {"secret": secret, "timestamp": timestamp, "signature": signature, "body": body}
        args.update(changes)
        got = verify(args["secret"], args["timestamp"], args["signature"], args["body"])
        return got is expected

    def case(name, expected, **changes):
        passed = check(expected, **changes)
        print(f"{'ok' if passed else 'FAILED'}: {name}")
        return passed

    def flipped(index):
        changed = bytearray(body)
        changed[index] ^= 0x01
        return bytes(changed)

    results = [
        case("the fixture passes", True),
        case("the fixture passes 5 minutes later", True, now=signed_at + 300),
        case("the fixture passes 5 minutes early", True, now=signed_at - 300),
        case("an expired timestamp fails", False, now=signed_at + 301),
        case("a timestamp from the future fails", False, now=signed_at - 301),
        case("a changed timestamp fails", False, timestamp=str(signed_at + 1)),
        case("a wrong secret fails", False, secret=secret + "x"),
        case("an uppercase signature fails", False, signature=signature.upper()),
        case("a missing signature fails", False, signature=""),
        case("a missing timestamp fails", False, timestamp=""),
    ]
    unnoticed = [index for index in range(len(body)) if not check(False, body=flipped(index))]
    print(f"{'FAILED' if unnoticed else 'ok'}: each of the {len(body)} body bytes changed fails"
          + (f" ({len(unnoticed)} pass, the first at byte {unnoticed[0]})" if unnoticed else ""))
    results.append(not unnoticed)
    if not all(results):
        sys.exit("the README's Python webhook check failed")
    print("the README's Python webhook check passed")


if __name__ == "__main__":
    main()
