"""The `zgsz` entry point: SIGTERM is caught before the heavy imports begin."""

import signal


def _terminate(signum, frame) -> None:
    # `timeout`, systemd and docker stop with SIGTERM: unwind like Ctrl-C, so that the
    # LibreOffice we started is stopped and no temporary file is left.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from service.cli import app

        app()
    except KeyboardInterrupt:
        from service.cli_common import err

        err.print("已中断，未完成的文件没有写入", style="bold red")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
