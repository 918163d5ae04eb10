package io.framegrid.gateway.annotation;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a button-data TXT whole, or not at all: one state per line, {@code 0} (released) or {@code 1} (pressed),
 * surrounding spaces and a final newline allowed, CR/LF/CRLF line ends. Any other line (a blank one in the middle
 * included) refuses the file, naming up to {@value TelemetryCsv#MAX_REPORTED} bad line numbers, so nothing partial is
 * stored. The lines carry no time: views spread them evenly over the video (see {@code Timeline}) until
 * {@code add_button_timestamp} gives the series its own timestamps.
 */
final class ButtonTxt {
    private ButtonTxt() {
    }

    /** A file refused; the message names the bad lines. */
    static final class InvalidTxt extends RuntimeException {
        InvalidTxt(String message) {
            super(message, null, false, false);
        }
    }

    static List<Integer> parse(String text) {
        String[] lines = text.split("\r\n|\n|\r", -1);
        int count = lines.length;
        // Trailing blank lines (the final newline, or several) end the file rather than being data.
        while (count > 0 && lines[count - 1].isBlank()) {
            count--;
        }
        if (count == 0) {
            throw new InvalidTxt("Invalid button data: the file has no lines (one 0 or 1 per line expected)");
        }
        List<Integer> states = new ArrayList<>(count);
        List<Integer> bad = new ArrayList<>();
        int badCount = 0;
        for (int i = 0; i < count; i++) {
            String line = lines[i].strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.equals("0") || line.equals("1")) {
                states.add(line.charAt(0) - '0');
            } else {
                badCount++;
                if (bad.size() < TelemetryCsv.MAX_REPORTED) {
                    bad.add(i + 1);
                }
            }
        }
        if (badCount > 0) {
            throw new InvalidTxt("Invalid button data: each line must be 0 or 1; bad line" + (badCount == 1 ? " " : "s ")
                    + bad.toString().replaceAll("[\\[\\]]", "") + (badCount > bad.size() ? " and " + (badCount - bad.size())
                    + " more" : ""));
        }
        return states;
    }
}
