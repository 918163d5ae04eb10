package io.framegrid.coordinator.identity;

import io.framegrid.coordinator.grpc.Errors;
import java.util.Locale;
import java.util.regex.Pattern;

/** Field rules shared by every surface; messages are shown to API users as they are. */
final class Validation {
    private static final Pattern EMAIL = Pattern.compile("^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$");
    private static final Pattern USERNAME = Pattern.compile("^[A-Za-z0-9_.-]{3,32}$");
    private static final int MAX_PASSWORD = 128;
    private static final int MAX_FULL_NAME = 100;

    private final int minPasswordLength;

    Validation(int minPasswordLength) {
        this.minPasswordLength = minPasswordLength;
    }

    static String normalizeEmail(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }

    static String normalizeUsername(String username) {
        return username.trim().toLowerCase(Locale.ROOT);
    }

    void email(String email) {
        if (email == null || email.isBlank()) {
            throw Errors.invalid("MISSING_FIELD", "Email is required");
        }
        String trimmed = email.trim();
        if (trimmed.length() > 254 || !EMAIL.matcher(trimmed).matches()) {
            throw Errors.invalid("INVALID_EMAIL", "Invalid email format");
        }
    }

    void username(String username) {
        if (!USERNAME.matcher(username.trim()).matches()) {
            throw Errors.invalid("INVALID_USERNAME",
                    "Username must be 3-32 characters of letters, digits, '.', '_' or '-'");
        }
    }

    void password(String password) {
        if (password == null || password.isEmpty()) {
            throw Errors.invalid("MISSING_FIELD", "Password is required");
        }
        boolean letter = password.chars().anyMatch(Character::isLetter);
        boolean digit = password.chars().anyMatch(Character::isDigit);
        if (password.length() < minPasswordLength || password.length() > MAX_PASSWORD || !letter || !digit) {
            throw Errors.invalid("WEAK_PASSWORD", "Password must be " + minPasswordLength + "-" + MAX_PASSWORD
                    + " characters long and contain at least one letter and one digit");
        }
    }

    void fullName(String fullName) {
        if (fullName.length() > MAX_FULL_NAME) {
            throw Errors.invalid("INVALID_FULL_NAME", "Full name must be at most " + MAX_FULL_NAME + " characters");
        }
    }
}
