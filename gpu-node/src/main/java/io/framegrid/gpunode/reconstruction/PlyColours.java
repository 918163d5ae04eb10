package io.framegrid.gpunode.reconstruction;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops the colour properties ({@code red}, {@code green}, {@code blue}, {@code alpha}) of a binary PLY's vertices,
 * copying everything else as it is: the plain mesh is the vertex-coloured mesh without its colours, so Poisson runs
 * once for both.
 */
final class PlyColours {
    private PlyColours() {
    }

    static void strip(Path in, Path out) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(in));
                OutputStream o = new BufferedOutputStream(Files.newOutputStream(out))) {
            DataInputStream data = new DataInputStream(raw);
            List<String> header = new ArrayList<>();
            String line;
            while (!(line = readLine(data)).equals("end_header")) {
                header.add(line);
            }
            if (header.stream().noneMatch(l -> l.startsWith("format binary_little_endian"))) {
                throw new IOException("only binary little-endian PLY is supported");
            }
            long vertices = 0;
            List<Integer> sizes = new ArrayList<>();
            List<Boolean> keep = new ArrayList<>();
            StringBuilder outHeader = new StringBuilder();
            String element = "";
            for (String l : header) {
                String[] f = l.trim().split("\\s+");
                if (f[0].equals("element")) {
                    element = f[1];
                    if (element.equals("vertex")) {
                        vertices = Long.parseLong(f[2]);
                    }
                } else if (f[0].equals("property") && element.equals("vertex")) {
                    if (f[1].equals("list")) {
                        throw new IOException("list properties on vertices are not supported");
                    }
                    boolean colour = List.of("red", "green", "blue", "alpha").contains(f[2]);
                    sizes.add(size(f[1]));
                    keep.add(!colour);
                    if (colour) {
                        continue;
                    }
                }
                outHeader.append(l).append('\n');
            }
            outHeader.append("end_header\n");
            o.write(outHeader.toString().getBytes(StandardCharsets.US_ASCII));
            int stride = sizes.stream().mapToInt(Integer::intValue).sum();
            byte[] vertex = new byte[stride];
            for (long v = 0; v < vertices; v++) {
                data.readFully(vertex);
                int at = 0;
                for (int p = 0; p < sizes.size(); p++) {
                    if (keep.get(p)) {
                        o.write(vertex, at, sizes.get(p));
                    }
                    at += sizes.get(p);
                }
            }
            data.transferTo(o);
        }
    }

    private static int size(String type) throws IOException {
        return switch (type) {
            case "char", "uchar", "int8", "uint8" -> 1;
            case "short", "ushort", "int16", "uint16" -> 2;
            case "int", "uint", "float", "int32", "uint32", "float32" -> 4;
            case "double", "float64" -> 8;
            default -> throw new IOException("unknown PLY type " + type);
        };
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (b.length() > 4096) {
                throw new IOException("PLY header line too long");
            }
            b.append((char) c);
        }
        if (c < 0) {
            throw new IOException("PLY header ends early");
        }
        return b.toString().trim();
    }
}
