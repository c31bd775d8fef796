"""Speech: audio decoding, voice activity detection, and STT/TTS providers behind small bases."""
