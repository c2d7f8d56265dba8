"""`python -m training.synth ...`: write the multilingual evaluation set (see `multilingual.main`)."""

import sys

from training.synth import EXTRA

try:
    from training.synth.multilingual import main
except ModuleNotFoundError as exc:
    if exc.name != "faker":
        raise
    sys.exit(f"training.synth: generating data needs Faker: pip install 'veilstream[{EXTRA}]'")

main()
