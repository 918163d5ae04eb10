package io.framegrid.gateway.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@code Range: bytes=...} header resolved against a representation's size (RFC 9110 §14).
 *
 * <p>Guards against range amplification: more than {@link #MAX_RANGES} specs, or any malformed spec, makes the
 * whole header ignored (RFC 9110 lets a server answer 200 with the full representation); overlapping specs and
 * specs separated by less than a part header's worth of bytes are coalesced, so no byte is sent twice and the
 * response is never larger than the file plus a few part headers.
 */
public record ByteRanges(Outcome outcome, List<Span> spans) {
    public static final int MAX_RANGES = 16;
    /** Gaps smaller than a multipart part header cost more to skip than to send. */
    static final long COALESCE_GAP = 80;

    private static final ByteRanges WHOLE = new ByteRanges(Outcome.WHOLE, List.of());
    private static final ByteRanges UNSATISFIABLE = new ByteRanges(Outcome.UNSATISFIABLE, List.of());

    public enum Outcome { WHOLE, PARTIAL, UNSATISFIABLE }

    /** Inclusive byte positions. */
    public record Span(long first, long last) {
        public long length() {
            return last - first + 1;
        }
    }

    public static ByteRanges parse(String header, long size) {
        if (header == null || !header.regionMatches(true, 0, "bytes=", 0, 6)) {
            return WHOLE;
        }
        List<String> specs = new ArrayList<>();
        for (String raw : header.substring(6).split(",", -1)) {
            String spec = raw.trim();
            if (!spec.isEmpty()) {
                specs.add(spec);
            }
            if (specs.size() > MAX_RANGES) {
                return WHOLE;
            }
        }
        if (specs.isEmpty()) {
            return WHOLE;
        }
        List<Span> satisfiable = new ArrayList<>();
        for (String spec : specs) {
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return WHOLE;
            }
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (!digits(a) || !digits(b) || (a.isEmpty() && b.isEmpty())) {
                return WHOLE;
            }
            try {
                if (a.isEmpty()) {
                    long suffix = Long.parseLong(b);
                    if (suffix > 0 && size > 0) {
                        satisfiable.add(new Span(Math.max(0, size - suffix), size - 1));
                    }
                    continue;
                }
                long first = Long.parseLong(a);
                long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
                if (last < first) {
                    return WHOLE;
                }
                if (first < size) {
                    satisfiable.add(new Span(first, Math.min(last, size - 1)));
                }
            } catch (NumberFormatException e) {
                // More digits than a long holds.
                return WHOLE;
            }
        }
        if (satisfiable.isEmpty()) {
            return UNSATISFIABLE;
        }
        return new ByteRanges(Outcome.PARTIAL, coalesce(satisfiable));
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static List<Span> coalesce(List<Span> spans) {
        List<Span> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparingLong(Span::first));
        List<Span> merged = new ArrayList<>();
        Span current = sorted.get(0);
        for (Span next : sorted.subList(1, sorted.size())) {
            if (next.first() <= current.last() + 1 + COALESCE_GAP) {
                current = new Span(current.first(), Math.max(current.last(), next.last()));
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        return List.copyOf(merged);
    }
}
