#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""python_peer: a test helper (not installed) that plays either side of the Win32 sample's layout
with Python's multiprocessing.shared_memory, as a Python program would, without namedshm. The
interoperability tests (examples/test/pair_test.cpp) run it against namedshm-writer and
namedshm-reader. POSIX only.

  python_peer.py write NAME [--message TEXT] [--timeout SECONDS]
  python_peer.py read NAME

NAME is the object's name as Python takes it: namedshm's "Global\\x" (and "/x" for shm_open) is
Python's "x". write: creates 256 bytes, stores the message as NUL-terminated UTF-8 (its first two
bytes last, as examples/README.md describes), prints "python_peer: ready", and waits until the
32-bit read count after the text is non-zero (exit 0) or the timeout passes (exit 6, default
20 s); then it removes the segment, as a Python program cleans up. read: prints the message on a
line of its own and, like the sample's second process, acknowledges nothing. Exit 1 on any
failure, with one line on stderr.
"""
import struct
import sys
import time
from multiprocessing import resource_tracker, shared_memory

BUFFER_SIZE = 256  # the sample's BUF_SIZE


def fail(what):
    print(f"python_peer: {what}", file=sys.stderr)
    return 1


def attach(name):
    """Opens an existing segment without letting Python's resource tracker remove it when this
    process ends: before Python 3.13 it registers every segment, also one it only opened."""
    try:
        return shared_memory.SharedMemory(name=name, track=False)
    except TypeError:  # before 3.13: no `track`
        segment = shared_memory.SharedMemory(name=name)
        resource_tracker.unregister(segment._name, "shared_memory")  # pylint: disable=protected-access
        return segment


def write(name, message, timeout):
    data = message.encode("utf-8") + b"\0"
    read_count_offset = (len(data) + 3) // 4 * 4
    if read_count_offset + 4 > BUFFER_SIZE:
        return fail("the message does not fit")
    segment = shared_memory.SharedMemory(name=name, create=True, size=BUFFER_SIZE)
    try:
        segment.buf[2:len(data)] = data[2:]
        segment.buf[0:2] = data[0:2]  # one 16-bit store: a reader waits for it
        print("python_peer: ready", flush=True)
        deadline = time.monotonic() + timeout
        while struct.unpack_from("<I", segment.buf, read_count_offset)[0] == 0:
            if time.monotonic() >= deadline:
                fail("nobody counted a read")
                return 6
            time.sleep(0.01)
        print(f"python_peer: read {struct.unpack_from('<I', segment.buf, read_count_offset)[0]} time(s)", flush=True)
        return 0
    finally:
        segment.close()
        segment.unlink()


def read(name):
    segment = attach(name)
    try:
        text = bytes(segment.buf[:BUFFER_SIZE])
    finally:
        segment.close()
    end = text.find(b"\0")
    if end <= 0:
        return fail("the segment holds no message")
    sys.stdout.buffer.write(text[:end] + b"\n")
    sys.stdout.flush()
    return 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("write", "read"):
        return fail("usage: python_peer.py write|read NAME [--message TEXT] [--timeout SECONDS]")
    options = dict(zip(argv[3::2], argv[4::2]))
    try:
        if argv[1] == "read":
            return read(argv[2])
        return write(argv[2], options.get("--message", "Message from first process."),
                     float(options.get("--timeout", "20")))
    except OSError as error:
        return fail(f"{argv[1]} failed: {error}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
