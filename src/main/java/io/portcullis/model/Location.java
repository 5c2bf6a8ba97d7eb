package io.portcullis.model;

/** {@code ServiceEntry.location}. */
public enum Location { MESH_EXTERNAL, MESH_INTERNAL }
