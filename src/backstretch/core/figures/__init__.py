"""Figures: every stretch drawn as a small SVG stick figure, posed from data.

`body` is the jointed figure, `poses` the validated `figure:` block of a stretch file, `render`
the SVG drawings and `gallery` a page showing them all.
"""
