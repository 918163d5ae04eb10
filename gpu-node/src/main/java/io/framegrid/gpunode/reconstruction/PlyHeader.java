package io.framegrid.gpunode.reconstruction;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The element counts a PLY file's header declares ({@code vertex}, {@code face}); the body is not read. */
record PlyHeader(String format, Map<String, Long> elements) {
    long count(String element) {
        return elements.getOrDefault(element, 0L);
    }

    static PlyHeader read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            StringBuilder line = new StringBuilder();
            Map<String, Long> elements = new LinkedHashMap<>();
            String format = "";
            boolean first = true;
            int b;
            int read = 0;
            while ((b = in.read()) >= 0 && read++ < 64 * 1024) {
                if (b != '\n') {
                    line.append((char) b);
                    continue;
                }
                String l = line.toString().trim();
                line.setLength(0);
                if (first) {
                    if (!l.equals("ply")) {
                        throw new IOException("not a PLY file");
                    }
                    first = false;
                } else if (l.startsWith("format ")) {
                    format = l.substring(7);
                } else if (l.startsWith("element ")) {
                    String[] f = l.split("\\s+");
                    elements.put(f[1], Long.parseLong(f[2]));
                } else if (l.equals("end_header")) {
                    return new PlyHeader(format, elements);
                }
            }
            throw new IOException("PLY header without end_header " + new String(new byte[0], StandardCharsets.US_ASCII));
        }
    }
}
