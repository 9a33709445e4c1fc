"""The quality-check report of an import (成果质检): its checks and its words."""
