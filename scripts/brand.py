"""Draws EV Battery's brand images (custom_components/ev_battery/brand/).

    .venv/bin/python scripts/brand.py

An original design: a rounded battery, green charge level, a white bolt.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "custom_components" / "ev_battery" / "brand"
GREEN, DARK, WHITE = (38, 166, 91), (33, 43, 54), (255, 255, 255)


def icon(size: int, body: tuple[int, int, int]) -> Image.Image:
    """The battery with a bolt, on a transparent square."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size / 256
    draw.rounded_rectangle(
        (40 * s, 64 * s, 200 * s, 192 * s),
        radius=22 * s,
        outline=body,
        width=round(14 * s),
    )
    draw.rounded_rectangle(
        (200 * s, 104 * s, 222 * s, 152 * s), radius=6 * s, fill=body
    )
    draw.rounded_rectangle(
        (60 * s, 84 * s, 180 * s, 172 * s), radius=10 * s, fill=GREEN
    )
    bolt = [
        (128, 92),
        (96, 134),
        (122, 134),
        (110, 166),
        (150, 120),
        (124, 120),
        (138, 92),
    ]
    draw.polygon([(x * s, y * s) for x, y in bolt], fill=WHITE)
    return image


def logo(height: int, text_colour: tuple[int, int, int]) -> Image.Image:
    """The icon and the name beside it."""
    mark = icon(height, text_colour)
    font = ImageFont.load_default(size=round(height * 0.42))
    probe = ImageDraw.Draw(mark)
    width = round(probe.textlength("EV Battery", font=font))
    image = Image.new("RGBA", (height + width + height // 6, height), (0, 0, 0, 0))
    image.paste(mark, (0, 0), mark)
    draw = ImageDraw.Draw(image)
    draw.text(
        (height, height // 2), "EV Battery", font=font, fill=text_colour, anchor="lm"
    )
    return image


def main() -> None:
    """Write every image Home Assistant looks for."""
    OUT.mkdir(parents=True, exist_ok=True)
    for prefix, colour in (("", DARK), ("dark_", WHITE)):
        icon(256, colour).save(OUT / f"{prefix}icon.png")
        icon(512, colour).save(OUT / f"{prefix}icon@2x.png")
        logo(128, colour).save(OUT / f"{prefix}logo.png")
        logo(256, colour).save(OUT / f"{prefix}logo@2x.png")


if __name__ == "__main__":
    main()
