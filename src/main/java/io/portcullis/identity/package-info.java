/**
 * Workload identity: SPIFFE IDs and the mesh CA. {@code @NullMarked}: a reference that may be
 * absent says so with {@code @Nullable}, and NullAway checks it at build time.
 */
@NullMarked
package io.portcullis.identity;

import org.jspecify.annotations.NullMarked;
