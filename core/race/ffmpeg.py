"""ffmpeg for the race video: encoding raw frames into an MP4 part, joining the parts (concat
demuxer, no re-encoding) into the MP4 or, through one palette pass, the GIF. ffmpeg is the binary
of the imageio-ffmpeg wheel (`pip install` alone installs everything); we pipe raw frames to it
ourselves, so neither matplotlib's writers nor rcParams['animation.*'] are involved."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg

from core.errors import GroundControlError


class VideoError(GroundControlError, RuntimeError):
    """The video could not be made (ffmpeg failed); the message ends with ffmpeg's stderr."""



def _encoder_args(lossless: bool) -> list[str]:
    if lossless:  # GIF parts: exact RGB, made into a GIF once at the end
        return ["-c:v", "libx264rgb", "-preset", "ultrafast", "-qp", "0"]
    # Even width and height for yuv420p (bar_chart_race's figure resizing can make them odd).
    # 'veryfast': ~40% less encoder CPU than the default 'medium' here, for an ~8% larger file.
    return ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-c:v", "libx264", "-preset", "veryfast",
            "-pix_fmt", "yuv420p"]



class _FFmpegPipe:
    """ffmpeg reading raw frames from stdin; stderr goes to a file (no pipe to fill up) and ends
    up in the VideoError if ffmpeg fails."""

    def __init__(self, args: list[str], what: str):
        self.what = what
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log)

    def __enter__(self) -> _FFmpegPipe:
        return self

    def write(self, data) -> None:
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            self._fail()

    def _fail(self):
        self.proc.kill()
        self.proc.wait()
        self.log.seek(0)
        raise VideoError(_ffmpeg_message(f"{self.what} (ffmpeg exit {self.proc.returncode})", self.log.read()))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None:
                self.proc.kill()
                self.proc.wait()
                return
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            if self.proc.wait():
                self._fail()
        finally:
            self.log.close()



def _ffmpeg_message(what: str, stderr) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    tail = "\n".join((stderr or "").strip().splitlines()[-15:])
    return f"{what}:\n{tail}" if tail else what


def _ffmpeg(args: list[str], what: str) -> None:
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode:
        raise VideoError(_ffmpeg_message(f"{what} (ffmpeg exit {proc.returncode})", proc.stderr))


def _join(parts: list[Path], out: Path, fmt: str, workdir: Path) -> None:
    listing = workdir / "parts.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in parts))
    concat = ["-f", "concat", "-safe", "0", "-i", str(listing)]
    if fmt == "mp4":
        _ffmpeg([*concat, "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(out)],
                "ffmpeg could not join the parts")
    else:
        # Two passes over the (lossless) parts: one palette for the whole GIF, then the GIF. One
        # pass with split/palettegen would hold every frame in memory until the palette is known.
        palette = workdir / "palette.png"
        _ffmpeg([*concat, "-vf", "palettegen", str(palette)], "ffmpeg could not make the GIF's palette")
        _ffmpeg([*concat, "-i", str(palette), "-lavfi", "[0:v][1:v]paletteuse", "-f", "gif", str(out)],
                "ffmpeg could not make the GIF")
