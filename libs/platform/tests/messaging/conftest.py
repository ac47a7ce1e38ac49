import sys
from pathlib import Path

# The support module is also run as a subprocess script; make it importable by name.
sys.path.insert(0, str(Path(__file__).parent))
