"""`rag chat` driven through stdin: a question, a follow-up, /sources, /help, /quit; and Ctrl-D."""

from __future__ import annotations

import os
import subprocess
import sys


def _chat(seeds_index, lines: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_INDEX": str(seeds_index.path), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rag", "chat"], input=lines, capture_output=True, text=True, timeout=180, env=env
    )


def test_chat_session_with_follow_up_sources_and_quit(seeds_index):
    done = _chat(
        seeds_index,
        "Which company is pulling back from facial recognition analysis?\n"
        "and who reported it?\n/sources\n/help\n/quit\nthis line is never read\n",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    first, rest = out.split("and who reported it?", 1)
    assert "Microsoft" in first and "[1]" in first
    follow_up, sources = rest.split("/sources", 1)
    assert "Computerworld" in follow_up  # the follow-up was answered about the same story
    assert "Microsoft is backing off its support" in sources  # the cited passage, in full
    assert "/quit" in sources and out.rstrip().endswith("bye")
    assert "never read" not in out.split("you> /quit")[-1]


def test_chat_ends_cleanly_at_end_of_input(seeds_index):
    done = _chat(seeds_index, "/sources\nWhat is the melting point of lead?\n")
    assert done.returncode == 0, done.stderr
    assert "No answer yet" in done.stdout
    assert "does not answer" in done.stdout
    assert done.stdout.rstrip().endswith("bye") and "Traceback" not in done.stderr


def test_stray_bytes_and_terminal_codes_do_not_end_the_session(seeds_index):
    """A line that is not UTF-8 is answered (here: refused) like any other; a line of escape codes
    is blank; user text is echoed without the codes and without being read as rich markup."""
    env = {**os.environ, "RAG_INDEX": str(seeds_index.path), "COLUMNS": "200"}
    lines = b"caf\xe9 \xff melting point?\n\x1b[31m\n[bold]Which outlet called emotion AI a scam?\n/quit\n"
    done = subprocess.run([sys.executable, "-m", "rag", "chat"], input=lines, capture_output=True, timeout=180, env=env)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert "does not answer" in out and "\x1b[31m" not in out
    assert "[bold]Which outlet" in out and "The Next Web" in out and out.rstrip().endswith("bye")


def test_sigterm_ends_the_session_through_its_clean_ups(seeds_index):
    """SIGTERM took the default exit, past every clean-up (a `rag index` killed so left an 88 MB
    temporary folder each time): it now ends the run as Ctrl-C does, with one line and 128+15."""
    import signal

    env = {**os.environ, "RAG_INDEX": str(seeds_index.path), "COLUMNS": "200"}
    chat = subprocess.Popen([sys.executable, "-m", "rag", "chat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        chat.stdin.write("/help\n")
        chat.stdin.flush()
        for line in chat.stdout:  # running, and waiting for the next line of input
            if "/quit" in line:
                break
        chat.send_signal(signal.SIGTERM)
        _, err = chat.communicate(timeout=60)
    finally:
        chat.kill()
    assert chat.returncode == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == "terminated" and "Traceback" not in err


def test_a_bare_exit_or_quit_leaves_as_in_a_shell(seeds_index):
    for word in ("exit", "Quit"):
        done = _chat(seeds_index, f"{word}\nWhat is the melting point of lead?\n")
        assert done.returncode == 0, done.stderr
        assert done.stdout.rstrip().endswith("bye") and "does not answer" not in done.stdout, word


def test_ctrl_c_at_the_prompt_clears_the_line_in_a_terminal(seeds_index):
    """In a terminal, Ctrl-C at the prompt ended the session; it now gives a new prompt, as a shell does."""
    import pty
    import select
    import time

    import fcntl
    import termios

    def own_terminal():  # the pty is the child's controlling terminal: Ctrl-C there is its SIGINT
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {**os.environ, "RAG_INDEX": str(seeds_index.path), "COLUMNS": "200", "TERM": "dumb"}
    master, slave = pty.openpty()
    chat = subprocess.Popen([sys.executable, "-m", "rag", "chat"], stdin=slave, stdout=slave, stderr=slave, env=env, preexec_fn=own_terminal)
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, timeout: float = 180) -> None:  # a loaded CI machine starts slowly
        nonlocal seen
        end = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < end:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        assert marker in seen, seen[-500:]

    try:
        read_until(b"you>")
        time.sleep(1)  # the prompt is printed just before the line is read
        os.write(master, b"\x03")
        read_until(b"/quit leaves")
        os.write(master, b"/quit\r")
        read_until(b"bye")
        assert chat.wait(timeout=30) == 0
    finally:
        chat.kill()
        os.close(master)
