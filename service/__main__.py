"""The `zgsz` entry point: stop signals are caught before the heavy imports begin."""

import signal

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
INTERRUPTED = 130


def _stop(signum, frame) -> None:
    # `timeout`, systemd and docker stop with SIGTERM, a closed terminal with SIGHUP:
    # unwind like Ctrl-C, so that the LibreOffice we started is stopped and no
    # temporary file is left. A second signal must not cut that clean-up short.
    for stop in STOPS:
        signal.signal(stop, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> None:
    for stop in STOPS:
        signal.signal(stop, _stop)
    try:
        from service.cli import app

        app()
    except KeyboardInterrupt:
        _say_interrupted()
        raise SystemExit(INTERRUPTED) from None
    except SystemExit as exc:
        # Click turns an interrupt during a command into exit code 130, silently.
        if exc.code == INTERRUPTED:
            _say_interrupted()
        raise


def _say_interrupted() -> None:
    from service.cli_common import err

    err.print("已中断，未完成的文件没有写入", style="bold red")


if __name__ == "__main__":
    main()
