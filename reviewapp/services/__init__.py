"""Domain services: pure logic over ids and dataclasses; views and CLI call these."""
