"""Resource providers. Every module here is imported at start-up and registers itself with
``arm.Provider(namespace)``: add a provider by adding a module, without touching the core."""
