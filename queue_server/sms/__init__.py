"""SMS through a GSM modem on a serial port: PDU encoding, the modem dialogue, the outbox, notifications."""
