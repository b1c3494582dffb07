"""The outbound HL7 interface: ORU^R01 messages, the store-and-forward queue and its sender."""
