from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_LIBRARY_FR = DATA_DIR / "default_library.fr.json"
DEFAULT_LIBRARY_EN = DATA_DIR / "default_library.en.json"
