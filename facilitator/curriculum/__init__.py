"""Curriculum library: shipped and clinic-made modules/topics as validated, immutable data.

Pure Python (no Qt, no database) so it can be used by services, packs and tests alike.
"""

from facilitator.curriculum.library import (
    SCHEMA_ID,
    CurriculumError,
    LibraryLoad,
    ModuleDef,
    TopicDef,
    default_library_path,
    load_library,
    module_to_dict,
    parse_module,
    read_module_file,
)

__all__ = [
    "SCHEMA_ID",
    "CurriculumError",
    "LibraryLoad",
    "ModuleDef",
    "TopicDef",
    "default_library_path",
    "load_library",
    "module_to_dict",
    "parse_module",
    "read_module_file",
]
