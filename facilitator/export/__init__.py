"""PDF rendering with ReportLab: progress notes, session packets, participant records and the
accounting of disclosures.

Services build the plain documents of ``export.model`` (no ReportLab needed to import it) and
call one renderer per document type; each returns a ``RenderResult`` (PDF bytes, page count,
characters no shipped font could draw):

- ``export.note.render_note(NoteExportDoc)``
- ``export.session_packet.render_session_packet(SessionPacketDoc)``
- ``export.participant_record.render_participant_record(ParticipantRecordDoc)``
- ``export.disclosure_log.render_disclosure_log(DisclosureLogDoc)``

``export.files`` writes the bytes atomically under a PHI-free name (``safe_file_name``,
``ExportFolder``, ``write_atomic``; failures raise ``ExportError`` with a sentence for the user).
This package never queries: an import contract keeps services, storage and models out of it.
"""
