"""Allow `python -m backstretch`."""

from backstretch.cli.entry import main

if __name__ == "__main__":
    main()
