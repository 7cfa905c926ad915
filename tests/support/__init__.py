"""Real local peers for the test suite (loopback servers), written here so nothing is faked in-process."""
