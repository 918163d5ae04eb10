package io.framegrid.gateway.annotation;

import io.framegrid.proto.annotation.v1.TelemetryPoint;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a speed and geolocation CSV whole, or not at all: every row is checked and any invalid one fails the file
 * with the line numbers of (up to {@value #MAX_REPORTED}) bad rows, so nothing partial is ever stored.
 *
 * <p>The first non-blank line is the header. Columns (any order, case-insensitive): {@code timestamp|time|t}
 * (required; milliseconds, or seconds when the header says {@code _s}/{@code (s)}, e.g. {@code time_s}; or
 * ISO-8601 instants, taken as milliseconds since the file's first row), {@code speed|speed_mps} (m/s),
 * {@code speed_kmh}, {@code speed_mph}, {@code latitude|lat}, {@code longitude|lon|lng}. At least a speed or a
 * latitude/longitude pair; an empty cell means "not measured" on that row (a row measuring nothing is skipped). Speeds become m/s, times integer ms.
 */
final class TelemetryCsv {
    static final int MAX_REPORTED = 20;
    private static final Map<String, Double> SPEED_FACTORS = Map.of("speed", 1.0, "speed_mps", 1.0,
            "speed_kmh", 1 / 3.6, "speed_mph", 0.44704);

    private TelemetryCsv() {
    }

    /** A file refused; the message names the bad lines. */
    static final class InvalidCsv extends RuntimeException {
        InvalidCsv(String message) {
            super(message, null, false, false);
        }
    }

    static List<TelemetryPoint> parse(String text) {
        String[] lines = text.split("\r\n|\n|\r", -1);
        int headerAt = 0;
        while (headerAt < lines.length && lines[headerAt].isBlank()) {
            headerAt++;
        }
        if (headerAt == lines.length) {
            throw new InvalidCsv("Invalid CSV: the file is empty (a header row is required)");
        }
        String[] header = cells(lines[headerAt]);
        int time = -1;
        int speed = -1;
        int lat = -1;
        int lon = -1;
        double speedFactor = 1;
        double timeFactor = 1;
        for (int i = 0; i < header.length; i++) {
            String name = header[i].toLowerCase(Locale.ROOT).replace(" ", "");
            String base = name.replaceAll("(_ms|\\(ms\\)|_s|\\(s\\))$", "");
            if ((base.equals("timestamp") || base.equals("time") || base.equals("t")) && time < 0) {
                time = i;
                timeFactor = name.endsWith("_s") || name.endsWith("(s)") ? 1000 : 1;
            } else if (SPEED_FACTORS.containsKey(name) && speed < 0) {
                speed = i;
                speedFactor = SPEED_FACTORS.get(name);
            } else if ((name.equals("latitude") || name.equals("lat")) && lat < 0) {
                lat = i;
            } else if ((name.equals("longitude") || name.equals("lon") || name.equals("lng")) && lon < 0) {
                lon = i;
            }
        }
        if (time < 0) {
            throw new InvalidCsv("Invalid CSV: line " + (headerAt + 1)
                    + ": the header row needs a timestamp, time or t column");
        }
        if ((lat < 0) != (lon < 0) || speed < 0 && lat < 0) {
            throw new InvalidCsv("Invalid CSV: line " + (headerAt + 1)
                    + ": the header row needs a speed column or both latitude and longitude");
        }
        List<TelemetryPoint> points = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int badLines = 0;
        Long isoOrigin = null;
        Boolean iso = null;
        for (int n = headerAt + 1; n < lines.length; n++) {
            if (lines[n].isBlank()) {
                continue;
            }
            int line = n + 1;
            String[] row = cells(lines[n]);
            String error = null;
            TelemetryPoint.Builder p = TelemetryPoint.newBuilder();
            if (row.length != header.length) {
                error = "expected " + header.length + " columns, found " + row.length;
            } else {
                String t = row[time];
                boolean rowIso = t.contains("T") || t.indexOf('-') > 0;
                if (iso != null && iso != rowIso) {
                    error = "timestamp mixes ISO-8601 and numbers";
                } else if (rowIso) {
                    iso = true;
                    Long ms = instantMs(t);
                    if (ms == null) {
                        error = "timestamp is not an ISO-8601 instant";
                    } else {
                        if (isoOrigin == null) {
                            isoOrigin = ms;
                        }
                        if (ms < isoOrigin) {
                            error = "timestamp is before the first row's";
                        } else {
                            p.setTimestampMs(ms - isoOrigin);
                        }
                    }
                } else {
                    iso = false;
                    Double v = number(t);
                    double ms = v == null ? Double.NaN : v * timeFactor;
                    if (v == null || ms < 0 || ms > 1e15 || Math.abs(ms - Math.rint(ms)) > 1e-6) {
                        error = timeFactor == 1 ? "timestamp must be a whole number of milliseconds >= 0"
                                : "timestamp must be a number of seconds >= 0 (at most ms precision)";
                    } else {
                        p.setTimestampMs(Math.round(ms));
                    }
                }
                if (error == null && speed >= 0 && !row[speed].isEmpty()) {
                    Double v = number(row[speed]);
                    if (v == null || v < 0 || v > 1000) {
                        error = "speed must be a number >= 0";
                    } else {
                        p.setHasSpeed(true).setSpeedMps(v * speedFactor);
                    }
                }
                if (error == null && lat >= 0 && (!row[lat].isEmpty() || !row[lon].isEmpty())) {
                    Double la = number(row[lat]);
                    Double lo = number(row[lon]);
                    if (la == null || Math.abs(la) > 90) {
                        error = "latitude must be a number within [-90, 90]";
                    } else if (lo == null || Math.abs(lo) > 180) {
                        error = "longitude must be a number within [-180, 180]";
                    } else {
                        p.setHasLocation(true).setLatitude(la).setLongitude(lo);
                    }
                }
            }
            if (error != null) {
                badLines++;
                if (errors.size() < MAX_REPORTED) {
                    errors.add("line " + line + ": " + error);
                }
            } else if (p.getHasSpeed() || p.getHasLocation()) {
                // A row whose every measurement is empty says nothing: it is skipped, not stored as a point.
                points.add(p.build());
            }
        }
        if (badLines > 0) {
            throw new InvalidCsv("Invalid CSV (" + badLines + " bad row" + (badLines == 1 ? "" : "s")
                    + ", nothing stored): " + String.join("; ", errors) + (badLines > errors.size() ? "; ..." : ""));
        }
        if (points.isEmpty()) {
            throw new InvalidCsv("Invalid CSV: no data rows after the header");
        }
        return points;
    }

    private static String[] cells(String line) {
        String[] raw = line.split(",", -1);
        for (int i = 0; i < raw.length; i++) {
            String c = raw[i].trim();
            if (c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"")) {
                c = c.substring(1, c.length() - 1).trim();
            }
            raw[i] = c;
        }
        return raw;
    }

    private static Double number(String s) {
        try {
            double v = Double.parseDouble(s);
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long instantMs(String s) {
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(s).toInstant().toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e2) {
                return null;
            }
        } catch (ArithmeticException e) {
            // A year far beyond what epoch milliseconds hold (Instant parses up to year 1e9).
            return null;
        }
    }
}
