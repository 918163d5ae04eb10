package io.framegrid.config.grid;

/** Names of every grid cache; their definitions live in {@link CacheCatalog}. */
public final class CacheNames {
    public static final String USERS = "fg_users";
    public static final String USER_EMAILS = "fg_user_emails";
    public static final String USER_NAMES = "fg_user_names";
    public static final String USER_NUMERIC_IDS = "fg_user_numeric_ids";
    public static final String API_KEYS = "fg_api_keys";
    public static final String REFRESH_TOKENS = "fg_refresh_tokens";
    public static final String REFRESH_FAMILIES = "fg_refresh_families";
    public static final String CLUSTER_SECRETS = "fg_cluster_secrets";

    /** Name of the atomic sequence handing out numeric user ids. */
    public static final String USER_ID_SEQUENCE = "fg_user_id_seq";

    private CacheNames() {}
}
