#!/usr/bin/env python3
"""Plays systemd's and the ground's side for one run of the packaged daemon (scripts/deb-test.sh).

Usage: supervise.py NOTIFY_SOCKET_PATH FRAMES_OUT TIMEOUT_S -- COMMAND...

Binds an AF_UNIX datagram socket at NOTIFY_SOCKET_PATH (as systemd does for Type=notify) and a UDP
socket on 127.0.0.1 with a free port, then runs COMMAND with every "{udp_port}" replaced by that
port, and NOTIFY_SOCKET_IN_ROOT (environment, default the same path) exported as NOTIFY_SOCKET.
Collects notify messages and TM frames until the command exits (killed after TIMEOUT_S), writes
the frames, concatenated, to FRAMES_OUT, and prints one JSON object: the command's exit status,
every notify message in order, the number of datagrams and octets, and the seconds from start to
READY=1 and to the first frame.
"""
import json
import os
import selectors
import socket
import subprocess
import sys
import time


def main():
    separator = sys.argv.index("--")
    notify_path, frames_out, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    command = sys.argv[separator + 1:]

    if os.path.exists(notify_path):
        os.unlink(notify_path)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.chmod(notify_path, 0o777)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    udp.bind(("127.0.0.1", 0))
    port = udp.getsockname()[1]

    env = dict(os.environ)
    env["NOTIFY_SOCKET"] = os.environ.get("NOTIFY_SOCKET_IN_ROOT", notify_path)
    argv = [a.replace("{udp_port}", str(port)) for a in command]
    started = time.monotonic()
    child = subprocess.Popen(argv, env=env)

    selector = selectors.DefaultSelector()
    selector.register(notify, selectors.EVENT_READ, "notify")
    selector.register(udp, selectors.EVENT_READ, "udp")
    messages, frames = [], []
    ready_at = first_frame_at = None
    status = None
    while True:
        for key, _ in selector.select(timeout=0.1):
            data = key.fileobj.recv(65536)
            now = round(time.monotonic() - started, 3)
            if key.data == "notify":
                text = data.decode("utf-8", "replace")
                messages.append(text)
                if ready_at is None and "READY=1" in text.split("\n"):
                    ready_at = now
            else:
                frames.append(data)
                if first_frame_at is None:
                    first_frame_at = now
        if status is None:
            status = child.poll()
            if status is None and time.monotonic() - started > timeout:
                child.kill()
                status = child.wait()
                messages.append("supervise.py: killed after timeout")
            if status is not None:
                drain_until = time.monotonic() + 0.5      # frames still in flight
        elif time.monotonic() > drain_until:
            break
    with open(frames_out, "wb") as out:
        out.write(b"".join(frames))
    print(json.dumps({"exit": status, "udp_port": port, "notify": messages, "datagrams": len(frames),
                      "octets": sum(len(f) for f in frames), "ready_s": ready_at, "first_frame_s": first_frame_at}))


if __name__ == "__main__":
    main()
