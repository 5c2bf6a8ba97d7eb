package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.Problem;
import io.portcullis.model.RawFile;
import io.portcullis.model.RawFile.RawObject;
import io.portcullis.model.RawFile.Segment;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceKind;
import io.portcullis.model.ResourceParser;
import io.portcullis.sources.FolderSnapshot;
import io.portcullis.sources.FolderTransaction;
import io.portcullis.sources.FolderTransaction.ConcurrentEditException;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.ParsedFolder;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import io.portcullis.sources.store.ApplyResult.Action;
import io.portcullis.sources.store.ApplyResult.Outcome;
import io.portcullis.sources.store.FolderView.Location;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration folder as a store of resources, for the admin API: list, get, apply (create
 * or replace, all or nothing) and delete, with a {@code resourceVersion} per resource.
 *
 * <p>The folder is the only state. Every call looks at it afresh, so hand edits are always seen
 * (a {@link ParsedFolder} re-reads and re-parses only the files that changed), and a write is
 * computed against what was read, validated as the whole folder it would produce
 * ({@link FolderSnapshot#loadWith}: only the files it changes are parsed), and refused before anything is written when it would add an
 * error. It is then written with one {@link FolderTransaction} (temporary files, fsync, atomic
 * renames; all files or none), which fails rather than overwrite a file edited by hand meanwhile;
 * the write is then retried against the new content. Once written, {@code afterWrite} (the folder
 * source's reload) puts the change in force before the call returns.
 *
 * <p>Thread-safe: calls are serialized. Blocking file I/O: never call it on an event loop.
 */
public final class FolderStore {
    private static final Logger LOG = LoggerFactory.getLogger(FolderStore.class);
    private static final int ATTEMPTS = 3;

    private final Path dir;
    private final ParsedFolder folder;
    private final Supplier<LoadResult> afterWrite;
    private final Clock clock;
    /** The view of the folder's last snapshot: made again only when a file changed. */
    private FolderView lastView;

    /** @param afterWrite called after each write, on the writing thread; returns the folder as loaded (may be null) */
    public FolderStore(Path dir, Supplier<LoadResult> afterWrite, Clock clock) {
        this(new ParsedFolder(dir), afterWrite, clock);
    }

    /** As {@link #FolderStore(Path, Supplier, Clock)}, sharing {@code folder} with the folder source: one parse per change. */
    public FolderStore(ParsedFolder folder, Supplier<LoadResult> afterWrite, Clock clock) {
        this.dir = folder.dir();
        this.folder = folder;
        this.afterWrite = afterWrite;
        this.clock = clock;
    }

    /**
     * The folder as it is now, re-reading only the files that changed: of a folder a source
     * watches, the files the watch has read and those changed in the last seconds (so a hand edit
     * of a file just written is seen at once), with no look at the rest; otherwise every file's stamp.
     */
    private FolderView view() {
        FolderSnapshot snapshot = folder.watched() ? folder.refresh(List.of()) : folder.refresh();
        if (lastView == null || lastView.snapshot() != snapshot) {
            lastView = FolderView.of(snapshot, lastView);
        }
        return lastView;
    }

    /** Resources of {@code kind} in {@code namespace} (null: every namespace), by namespace and name as kubectl lists. */
    public synchronized List<StoredObject> list(ResourceKind kind, String namespace) {
        List<StoredObject> out = new ArrayList<>();
        FolderView view = view();
        for (Map.Entry<FolderView.Key, Location> e : view.list(kind, namespace)) {
            out.add(stored(view, e.getKey(), e.getValue()));
        }
        return out;
    }

    public synchronized StoredObject get(ResourceKind kind, String namespace, String name) throws StoreException {
        FolderView.Key key = new FolderView.Key(kind, namespace, name);
        FolderView view = view();
        Location at = view.find(key);
        if (at == null) {
            throw notFound(key);
        }
        return stored(view, key, at);
    }

    /** The errors that keep the folder as it is now from being loaded; empty when it is valid. */
    public synchronized List<Problem> folderErrors() {
        return view().loaded().errors();
    }

    /** Creates or replaces every resource of the request, or none (see {@link ApplyRequest.Mode}). */
    public synchronized ApplyResult apply(ApplyRequest request) throws StoreException {
        Submission submission = Submission.read(request);
        for (int attempt = 1; ; attempt++) {
            FolderView view = view();
            FileEdits edits = new FileEdits(view);
            List<Outcome> outcomes = new ArrayList<>();
            List<String> conflicts = new ArrayList<>();
            for (Submitted s : submission.objects()) {
                outcomes.add(plan(view, edits, s, request.mode(), conflicts));
            }
            if (!conflicts.isEmpty()) {
                throw new StoreException(StoreException.Reason.CONFLICT, String.join("; ", conflicts));
            }
            List<Problem> warnings = new ArrayList<>(submission.warnings());
            warnings.addAll(checkFolder(view, edits, submission.warnings()));
            if (request.dryRun() || edits.isEmpty()) {
                return new ApplyResult(outcomes, warnings, request.dryRun());
            }
            if (commit(edits, attempt)) {
                warnings.addAll(reload());
                outcomes.stream().filter(o -> o.action() != Action.UNCHANGED).forEach(o ->
                        LOG.info("admin: {} {}/{}/{} (resourceVersion {})", o.action().text(), o.kind().kind(),
                                o.namespace(), o.name(), o.resourceVersion()));
                return new ApplyResult(outcomes, warnings, false);
            }
        }
    }

    /**
     * The whole configuration the folder would hold with {@code request} applied, validated as
     * {@link #apply} would; nothing is written ({@code diff}).
     */
    public synchronized LoadResult preview(ApplyRequest request) throws StoreException {
        Submission submission = Submission.read(request);
        FolderView view = view();
        FileEdits edits = new FileEdits(view);
        List<String> conflicts = new ArrayList<>();
        for (Submitted s : submission.objects()) {
            plan(view, edits, s, request.mode(), conflicts);
        }
        if (!conflicts.isEmpty()) {
            throw new StoreException(StoreException.Reason.CONFLICT, String.join("; ", conflicts));
        }
        checkFolder(view, edits, submission.warnings());
        return edits.isEmpty() ? view.loaded() : edits.candidate().load();
    }

    /** Deletes one resource; {@code expectedVersion} (may be null) must be its current version. */
    public synchronized ApplyResult delete(ResourceKind kind, String namespace, String name, String expectedVersion,
                                           boolean dryRun) throws StoreException {
        FolderView.Key key = new FolderView.Key(kind, namespace, name);
        for (int attempt = 1; ; attempt++) {
            FolderView view = view();
            Location at = view.find(key);
            if (at == null) {
                throw notFound(key);
            }
            StoredObject current = stored(view, key, at);
            if (expectedVersion != null && !expectedVersion.equals(current.resourceVersion())) {
                throw new StoreException(StoreException.Reason.CONFLICT, stale(key, expectedVersion, current));
            }
            FileEdits edits = new FileEdits(view);
            edits.remove(at, key);
            List<Problem> warnings = new ArrayList<>(checkFolder(view, edits, List.of()));
            Outcome outcome = new Outcome(kind, namespace, name, Action.DELETED, current.resourceVersion(),
                    current.object());
            if (dryRun) {
                return new ApplyResult(List.of(outcome), warnings, true);
            }
            if (commit(edits, attempt)) {
                warnings.addAll(reload());
                LOG.info("admin: deleted {} (resourceVersion {}) from {}", key, current.resourceVersion(), at.file());
                return new ApplyResult(List.of(outcome), warnings, false);
            }
        }
    }

    /** One resource for {@link #deleteAll}. */
    public record Deletion(ResourceKind kind, String namespace, String name) {}

    /**
     * Deletes, in one write, every resource of {@code targets} that exists; the outcomes leave out
     * those that do not. The change is judged by the folder it ends with (an error it would add
     * refuses it whole, a warning is one that folder has), never by the states in between: deleting
     * a Gateway with the VirtualService bound to it warns of neither.
     */
    public synchronized ApplyResult deleteAll(List<Deletion> targets, boolean dryRun) throws StoreException {
        for (int attempt = 1; ; attempt++) {
            FolderView view = view();
            FileEdits edits = new FileEdits(view);
            List<Outcome> outcomes = new ArrayList<>();
            Set<FolderView.Key> seen = new HashSet<>();
            for (Deletion d : targets) {
                FolderView.Key key = new FolderView.Key(d.kind(), d.namespace(), d.name());
                Location at = view.find(key);
                if (at == null || !seen.add(key)) {
                    continue;
                }
                StoredObject current = stored(view, key, at);
                edits.remove(at, key);
                outcomes.add(new Outcome(d.kind(), d.namespace(), d.name(), Action.DELETED, current.resourceVersion(),
                        current.object()));
            }
            List<Problem> warnings = new ArrayList<>(checkFolder(view, edits, List.of()));
            if (dryRun || edits.isEmpty()) {
                return new ApplyResult(outcomes, warnings, dryRun);
            }
            if (commit(edits, attempt)) {
                warnings.addAll(reload());
                outcomes.forEach(o -> LOG.info("admin: deleted {}/{}/{} (resourceVersion {})", o.kind().kind(),
                        o.namespace(), o.name(), o.resourceVersion()));
                return new ApplyResult(outcomes, warnings, false);
            }
        }
    }

    private Outcome plan(FolderView view, FileEdits edits, Submitted s, Mode mode, List<String> conflicts)
            throws StoreException {
        FolderView.Key key = s.key();
        Location at = view.find(key);
        String ns = key.namespace();
        if (at == null) {
            if (mode == Mode.REPLACE) {
                throw notFound(key);
            }
            if (s.givenVersion() != null) {
                conflicts.add(cannot(key) + ": it does not exist (resourceVersion " + s.givenVersion()
                        + " was given; was it deleted?)");
            }
            String created = ObjectNormalizer.timestamp(clock.instant());
            ObjectNode tree = ObjectNormalizer.forStorage(s.tree(), ns, created);
            edits.create(key, tree);
            String version = ObjectNormalizer.version(tree, ns);
            return new Outcome(key.kind(), ns, key.name(), Action.CREATED, version,
                    ObjectNormalizer.forResponse(tree, ns, version, created));
        }
        if (mode == Mode.CREATE) {
            throw new StoreException(StoreException.Reason.ALREADY_EXISTS,
                    key.kind().qualifiedPlural() + " \"" + key.name() + "\" already exists (in " + at.file() + ")");
        }
        StoredObject current = stored(view, key, at);
        if (s.givenVersion() != null && !s.givenVersion().equals(current.resourceVersion())) {
            conflicts.add(stale(key, s.givenVersion(), current));
        }
        if (ObjectNormalizer.sameContent(at.object().tree(), s.tree(), ns)) {
            return new Outcome(key.kind(), ns, key.name(), Action.UNCHANGED, current.resourceVersion(), current.object());
        }
        ObjectNode tree = ObjectNormalizer.forStorage(s.tree(), ns, current.creationTimestamp());
        edits.replace(at, key, tree);
        String version = ObjectNormalizer.version(tree, ns);
        return new Outcome(key.kind(), ns, key.name(), Action.CONFIGURED, version,
                ObjectNormalizer.forResponse(tree, ns, version, current.creationTimestamp()));
    }

    /**
     * Validates the folder the edits would produce. Refuses the change when it has an error the
     * folder does not have now (errors already there, e.g. from a broken hand edit elsewhere, do not
     * block an unrelated change); returns its new warnings, less those already reported.
     */
    private static List<Problem> checkFolder(FolderView view, FileEdits edits, List<Problem> reported)
            throws StoreException {
        if (edits.isEmpty()) {
            return List.of();
        }
        LoadResult before = view.loaded();
        LoadResult after = edits.candidate().load();
        Set<String> old = new HashSet<>();
        before.problems().forEach(p -> old.add(p.toString()));
        List<Problem> errors = after.errors().stream().filter(p -> !old.contains(p.toString())).toList();
        if (!errors.isEmpty()) {
            throw new StoreException(StoreException.Reason.INVALID, "the configuration folder would not be valid"
                    + " with this change (" + errors.size() + " error(s)); nothing was written", errors);
        }
        Set<String> known = new HashSet<>();
        reported.forEach(p -> known.add(withoutFile(p)));
        return after.warnings().stream()
                .filter(p -> !old.contains(p.toString()) && !known.contains(withoutFile(p)))
                .toList();
    }

    /** Writes the edits; false when a file changed meanwhile and the write should be computed again. */
    private boolean commit(FileEdits edits, int attempt) throws StoreException {
        try {
            edits.transaction(dir).commit();
            // The view takes the written files in as written: nothing parsed or validated again.
            folder.adopt(edits.candidate(), edits.changes().keySet());
            return true;
        } catch (ConcurrentEditException e) {
            // Edited by hand and not yet read: read it before the change is computed again.
            folder.refresh(edits.changes().keySet());
            if (attempt >= ATTEMPTS) {
                throw new StoreException(StoreException.Reason.CONFLICT, e.getMessage() + "; try again");
            }
            LOG.info("admin: {}; computing the change again", e.getMessage());
            return false;
        } catch (IOException e) {
            LOG.error("admin: writing to {} failed: {}", dir, e.toString());
            throw new StoreException(StoreException.Reason.INTERNAL, "writing to the configuration folder failed: " + e);
        }
    }

    private List<Problem> reload() {
        LoadResult loaded = afterWrite.get();
        if (loaded == null || !loaded.hasErrors()) {
            return List.of();
        }
        return List.of(Problem.warning(dir.toString(), null, null, "written, but the configuration folder has "
                + loaded.errors().size() + " error(s) elsewhere (first: " + loaded.errors().get(0)
                + "); the gateway keeps its last good configuration until they are fixed"));
    }

    private static StoredObject stored(FolderView view, FolderView.Key key, Location at) {
        return view.stored(key, at);
    }

    private static StoreException notFound(FolderView.Key key) {
        return new StoreException(StoreException.Reason.NOT_FOUND,
                key.kind().qualifiedPlural() + " \"" + key.name() + "\" not found in namespace " + key.namespace());
    }

    private static String cannot(FolderView.Key key) {
        return "Operation cannot be fulfilled on " + key.kind().qualifiedPlural() + " \"" + key.name() + "\"";
    }

    private static String stale(FolderView.Key key, String given, StoredObject current) {
        return cannot(key) + ": the object has been modified; please apply your changes to the latest version and"
                + " try again (resourceVersion " + given + " was given, the current one is "
                + current.resourceVersion() + ")";
    }

    private static String withoutFile(Problem p) {
        return new Problem(p.severity(), null, p.resource(), p.field(), p.reason()).toString();
    }

    /** One resource of a request, normalized. */
    private record Submitted(FolderView.Key key, ObjectNode tree, String givenVersion) {}

    /**
     * The request's resources, each validated on its own (cross-resource rules wait for the whole
     * folder). Each file of the request is parsed once: its documents are normalized and validated
     * as the trees they are, not written out and read again.
     */
    private record Submission(List<Submitted> objects, List<Problem> warnings) {
        static Submission read(ApplyRequest request) throws StoreException {
            List<Problem> problems = new ArrayList<>();
            List<Submitted> objects = new ArrayList<>();
            Map<FolderView.Key, String> seen = new LinkedHashMap<>();
            for (SourceFile f : request.files()) {
                RawFile raw = RawFile.split(f.name(), f.text());
                if (!raw.segments().stream().allMatch(Segment::readable)) {
                    // The parser on the text as written gives the precise message (line, column, field).
                    List<Problem> found = ResourceParser.parse(f.name(), f.text()).problems();
                    problems.addAll(found);
                    if (found.stream().noneMatch(Problem::isError)) {
                        problems.add(Problem.error(f.name(), null, null, "holds a document that is not a resource"));
                    }
                    continue;
                }
                List<ResourceParser.Tree> normalized = new ArrayList<>();
                int line = 1;
                for (Segment segment : raw.segments()) {
                    for (RawObject o : segment.objects()) {
                        String ns = namespace(o.tree(), request.namespace());
                        ObjectNode tree = ObjectNormalizer.forStorage(o.tree(), ns, null);
                        normalized.add(new ResourceParser.Tree(tree, line));
                        ResourceKind.of(o.apiVersion(), o.id().kind()).ifPresent(kind -> {
                            FolderView.Key key = new FolderView.Key(kind, ns, o.id().name());
                            String first = seen.putIfAbsent(key, f.name());
                            if (first != null) {
                                problems.add(Problem.error(f.name(), new ResourceId(o.id().kind(), ns, o.id().name()),
                                        "metadata.name", key + " is given twice in this request (also in " + first
                                                + "); each resource may be given once"));
                            } else {
                                objects.add(new Submitted(key, tree, ObjectNormalizer.givenVersion(o.tree())));
                            }
                        });
                    }
                    line += lines(segment.text());
                }
                problems.addAll(ResourceParser.read(f.name(), normalized).problems());
            }
            if (problems.stream().anyMatch(Problem::isError)) {
                long n = problems.stream().filter(Problem::isError).count();
                throw new StoreException(StoreException.Reason.INVALID, n + " error(s) in the resources given; nothing"
                        + " was written", problems);
            }
            if (objects.isEmpty()) {
                throw new StoreException(StoreException.Reason.BAD_REQUEST, "no resources were given");
            }
            return new Submission(objects, problems);
        }

        private static int lines(String text) {
            int n = 0;
            for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
                n++;
            }
            return n;
        }

        private static String namespace(ObjectNode tree, String fallback) {
            JsonNode ns = tree.path("metadata").path("namespace");
            return ns.isTextual() && !ns.textValue().isEmpty() ? ns.textValue() : fallback;
        }
    }
}
