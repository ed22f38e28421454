"""Exchange with other systems (issue 9): federation lookups, the provincial platform push, joint punishment,
consent-based bank access and the province's oversight of its bureaus."""
