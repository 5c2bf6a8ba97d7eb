package io.portcullis.sources.kubernetes;

import io.portcullis.sources.LoadResult;
import java.util.List;

/**
 * What the cluster's objects compile to at one moment: the valid set (never with errors), the
 * objects skipped alone, and the valid objects whose status still shows an earlier rejection.
 */
public record ClusterSnapshot(LoadResult result, List<Rejection> rejections, List<ApiObject> cleared) {
    public ClusterSnapshot {
        rejections = List.copyOf(rejections);
        cleared = List.copyOf(cleared);
    }
}
