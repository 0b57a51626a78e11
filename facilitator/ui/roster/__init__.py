"""The roster: participants, their enrollments, goals and drug tests, and group membership."""
