"""The channel-agnostic dialogue engine: flows as tables, conversation state stored."""
