package io.framegrid.gateway.http;

import com.linecorp.armeria.common.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body (RFC 7578) already held whole in one array, split into its fields without
 * copying: each field is a range of that array. For routes that must read a large body whole anyway (a studio chunk,
 * up to 16 MiB): Armeria's streaming {@code Multipart} copies every network piece into a new array and the part
 * again into its aggregate, which made the gateway the CPU bottleneck of chunked ingest. Streaming routes keep using
 * Armeria's parser. Strict where it matters: the closing delimiter must be there, part headers are bounded.
 */
public final class WholeFormData {
    /** Header blocks larger than this are refused (a form field's headers are a line or two). */
    static final int MAX_HEADER_BYTES = 8192;
    /** Forms with more parts are refused; the routes that use this read two or three fields. */
    static final int MAX_PARTS = 64;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] DASHES = {'-', '-'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final int[] HEADER_END_SKIP = skipTable(HEADER_END);

    private static final Pattern NAME = param("name");
    private static final Pattern FILENAME = param("filename");

    private final List<Field> fields;

    private WholeFormData(List<Field> fields) {
        this.fields = fields;
    }

    /** One part: its form name, file name when it has one, and where its content lies in the body's array. */
    public record Field(String name, @Nullable String filename, byte[] body, int offset, int length) {
        public String text() {
            return new String(body, offset, length, StandardCharsets.UTF_8);
        }
    }

    /** Thrown for a body that is not well-formed multipart with the given boundary. */
    public static final class MalformedFormException extends IllegalArgumentException {
        MalformedFormException(String message) {
            super(message, null);
        }
    }

    /** The first field named {@code name}, or null. */
    public @Nullable Field field(String name) {
        for (Field f : fields) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    public List<Field> fields() {
        return fields;
    }

    /** Splits {@code body} at {@code boundary}; {@link MalformedFormException} when it is not such a form. */
    public static WholeFormData parse(byte[] body, String boundary) {
        if (boundary.isEmpty() || boundary.length() > 70) {
            throw new MalformedFormException("The multipart boundary must be 1 to 70 characters");
        }
        // "\r\n--boundary" separates parts; the first one may also stand at the very start of the body.
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int[] skip = skipTable(delimiter);
        int at;
        if (startsWith(body, 0, delimiter, 2)) {
            at = delimiter.length - 2;
        } else {
            int first = indexOf(body, 0, delimiter, skip);
            if (first < 0) {
                throw new MalformedFormException("The body has no multipart boundary");
            }
            at = first + delimiter.length;
        }
        List<Field> fields = new ArrayList<>();
        while (true) {
            if (startsWith(body, at, DASHES, 0)) {
                return new WholeFormData(List.copyOf(fields));
            }
            while (at < body.length && (body[at] == ' ' || body[at] == '\t')) {
                at++;
            }
            if (!startsWith(body, at, CRLF, 0)) {
                throw new MalformedFormException("A multipart boundary is not followed by a line end");
            }
            at += 2;
            int contentStart;
            String headers;
            if (startsWith(body, at, CRLF, 0)) {
                headers = "";
                contentStart = at + 2;
            } else {
                int end = indexOf(body, at, Math.min(body.length, at + MAX_HEADER_BYTES), HEADER_END,
                        HEADER_END_SKIP);
                if (end < 0) {
                    throw new MalformedFormException("A part's headers do not end within " + MAX_HEADER_BYTES
                            + " bytes");
                }
                headers = new String(body, at, end - at, StandardCharsets.UTF_8);
                contentStart = end + HEADER_END.length;
            }
            int next = indexOf(body, contentStart, delimiter, skip);
            if (next < 0) {
                throw new MalformedFormException("The body ends without its closing multipart boundary");
            }
            if (fields.size() == MAX_PARTS) {
                throw new MalformedFormException("The form has more than " + MAX_PARTS + " parts");
            }
            fields.add(field(headers, body, contentStart, next - contentStart));
            at = next + delimiter.length;
        }
    }

    private static Field field(String headers, byte[] body, int offset, int length) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-disposition")) {
                String value = line.substring(colon + 1);
                String name = value(NAME, value);
                if (name == null) {
                    break;
                }
                return new Field(name, value(FILENAME, value), body, offset, length);
            }
        }
        throw new MalformedFormException("A part has no Content-Disposition with a field name");
    }

    private static @Nullable String value(Pattern param, String disposition) {
        Matcher m = param.matcher(disposition);
        if (!m.find()) {
            return null;
        }
        String v = m.group(1);
        return v.startsWith("\"") ? v.substring(1, v.length() - 1).replaceAll("\\\\(.)", "$1") : v;
    }

    /** {@code ;} then the parameter, so {@code name} does not match inside {@code filename}. */
    private static Pattern param(String name) {
        return Pattern.compile("(?i);\\s*" + name + "\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^;\\s]+)");
    }

    private static boolean startsWith(byte[] a, int at, byte[] prefix, int from) {
        int n = prefix.length - from;
        if (at < 0 || at + n > a.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (a[at + i] != prefix[from + i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] a, int from, byte[] needle, int[] skip) {
        return indexOf(a, from, a.length, needle, skip);
    }

    /**
     * Boyer-Moore-Horspool: a 16 MiB chunk is scanned in strides of about the delimiter's length rather than byte by
     * byte, which is what keeps this cheaper than the copy the body needed anyway.
     */
    private static int indexOf(byte[] a, int from, int to, byte[] needle, int[] skip) {
        int last = needle.length - 1;
        for (int i = from; i + last < to; i += skip[a[i + last] & 0xff]) {
            if (a[i + last] == needle[last]) {
                int j = last - 1;
                while (j >= 0 && a[i + j] == needle[j]) {
                    j--;
                }
                if (j < 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static int[] skipTable(byte[] needle) {
        int[] skip = new int[256];
        java.util.Arrays.fill(skip, needle.length);
        for (int k = 0; k < needle.length - 1; k++) {
            skip[needle[k] & 0xff] = needle.length - 1 - k;
        }
        return skip;
    }
}
