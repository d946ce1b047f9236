import sys

from pathways_infra.cli import main

sys.exit(main())
