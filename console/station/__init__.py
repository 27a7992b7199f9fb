"""The central nurses' station over MQTT (issue #11): the bed publishes, the station shows; the bed stays
the authority. docs/station-topics.md describes the topics and payloads."""
