package io.framegrid.gateway.openapi;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.docs.ContainerTypeSignature;
import com.linecorp.armeria.server.docs.DescriptiveTypeSignature;
import com.linecorp.armeria.server.docs.DocServiceFilter;
import com.linecorp.armeria.server.docs.DocServicePlugin;
import com.linecorp.armeria.server.docs.EndpointInfo;
import com.linecorp.armeria.server.docs.FieldLocation;
import com.linecorp.armeria.server.docs.FieldRequirement;
import com.linecorp.armeria.server.docs.MapTypeSignature;
import com.linecorp.armeria.server.docs.MethodInfo;
import com.linecorp.armeria.server.docs.ParamInfo;
import com.linecorp.armeria.server.docs.ServiceInfo;
import com.linecorp.armeria.server.docs.ServiceSpecification;
import com.linecorp.armeria.server.docs.TypeSignature;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAPI 3.1 document of one REST surface, generated from what the surface's server actually serves: Armeria's
 * annotated-service documentation plugin (the one DocService uses) describes every annotated route of the server's
 * service configurations (method, path, path/query/header parameters, body and return types), and the request and
 * response records become JSON schemas through Jackson's own view of them (property names as serialised). Nothing
 * is written by hand, so a route a product adds is documented the moment it is served.
 */
public final class OpenApiDocument {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern PATH_PARAM = Pattern.compile(":([A-Za-z0-9_]+)|\\{([A-Za-z0-9_]+)}");
    /** Parameter types Armeria injects from the request itself rather than from the client's input. */
    private static final Set<String> INJECTED = Set.of("ServiceRequestContext", "HttpRequest", "RequestHeaders",
            "AggregatedHttpRequest", "HttpParameters", "QueryParams", "Cookies", "RequestContext");

    private final ObjectMapper mapper;

    public OpenApiDocument(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The document of a surface named {@code surface} whose server runs {@code configs}. */
    public ObjectNode generate(String surface, String version, Iterable<ServiceConfig> configs) {
        Set<ServiceConfig> services = new LinkedHashSet<>();
        configs.forEach(services::add);
        ServiceSpecification spec = annotatedPlugin().generateSpecification(services, DocServiceFilter.ofAnnotated(),
                descriptor -> null);
        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.1.0");
        doc.putObject("info").put("title", "Framegrid " + surface + " API").put("version", version)
                .put("description", "Generated from the routes the " + surface + " surface serves.");
        doc.put("jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base");
        ObjectNode paths = doc.putObject("paths");
        Map<String, ObjectNode> schemas = new TreeMap<>();
        Set<String> operationIds = new HashSet<>();
        spec.services().stream().sorted(Comparator.comparing(ServiceInfo::name)).forEach(service -> service.methods()
                .stream().sorted(Comparator.comparing(MethodInfo::name)).forEach(method -> {
                    for (EndpointInfo endpoint : method.endpoints()) {
                        String path = openApiPath(endpoint.pathMapping());
                        if (path == null || method.httpMethod() == null) {
                            continue;
                        }
                        ObjectNode item = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
                        item.set(method.httpMethod().name().toLowerCase(Locale.ROOT),
                                operation(service, method, path, operationIds, schemas));
                    }
                }));
        ObjectNode components = doc.putObject("components");
        ObjectNode schemaNode = components.putObject("schemas");
        schemas.forEach(schemaNode::set);
        return doc;
    }

    private ObjectNode operation(ServiceInfo service, MethodInfo method, String path, Set<String> operationIds,
            Map<String, ObjectNode> schemas) {
        ObjectNode op = NODES.objectNode();
        String simple = service.name().substring(service.name().lastIndexOf('.') + 1);
        op.putArray("tags").add(simple);
        String id = simple + "." + method.name();
        for (int i = 2; !operationIds.add(id); i++) {
            id = simple + "." + method.name() + "_" + i;
        }
        op.put("operationId", id);
        ArrayNode parameters = NODES.arrayNode();
        Set<String> pathParams = new LinkedHashSet<>();
        Matcher m = PATH_PARAM.matcher(path);
        while (m.find()) {
            pathParams.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        ObjectNode body = null;
        for (ParamInfo param : method.parameters()) {
            String typeName = simpleName(param.typeSignature().name());
            if (INJECTED.contains(typeName)) {
                continue;
            }
            FieldLocation location = param.location();
            if (location == FieldLocation.PATH || pathParams.contains(param.name())) {
                pathParams.remove(param.name());
                parameters.add(parameter(param.name(), "path", true, param.typeSignature(), schemas));
            } else if (location == FieldLocation.QUERY) {
                parameters.add(parameter(param.name(), "query", param.requirement() == FieldRequirement.REQUIRED,
                        param.typeSignature(), schemas));
            } else if (location == FieldLocation.HEADER) {
                parameters.add(parameter(param.name(), "header", param.requirement() == FieldRequirement.REQUIRED,
                        param.typeSignature(), schemas));
            } else {
                body = NODES.objectNode();
                body.put("required", true);
                body.putObject("content").putObject("application/json")
                        .set("schema", schema(param.typeSignature(), schemas));
            }
        }
        // A path variable the method reads another way (from the context) is still a path parameter.
        for (String name : pathParams) {
            parameters.add(parameter(name, "path", true, TypeSignature.ofBase("string"), schemas));
        }
        if (!parameters.isEmpty()) {
            op.set("parameters", parameters);
        }
        if (body != null) {
            op.set("requestBody", body);
        }
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject("2XX").put("description", "Success");
        ObjectNode returned = schema(method.returnTypeSignature(), schemas);
        if (returned != null && !returned.isEmpty()) {
            ok.putObject("content").putObject("application/json").set("schema", returned);
        }
        responses.putObject("default").put("description", "An error in the surface's documented error format");
        return op;
    }

    private ObjectNode parameter(String name, String in, boolean required, TypeSignature type,
            Map<String, ObjectNode> schemas) {
        ObjectNode p = NODES.objectNode();
        p.put("name", name).put("in", in).put("required", required);
        ObjectNode schema = schema(type, schemas);
        p.set("schema", schema == null || schema.isEmpty() ? NODES.objectNode().put("type", "string") : schema);
        return p;
    }

    /** A JSON schema for an Armeria type signature; empty for types that say nothing (HttpResponse, Object). */
    private ObjectNode schema(TypeSignature type, Map<String, ObjectNode> schemas) {
        switch (type.type()) {
            case BASE:
                return base(type.name());
            case OPTIONAL:
                return schema(((ContainerTypeSignature) type).typeParameters().get(0), schemas);
            case ITERABLE: {
                ObjectNode array = NODES.objectNode().put("type", "array");
                array.set("items", schema(((ContainerTypeSignature) type).typeParameters().get(0), schemas));
                return array;
            }
            case MAP: {
                ObjectNode map = NODES.objectNode().put("type", "object");
                map.set("additionalProperties", schema(((MapTypeSignature) type).valueTypeSignature(), schemas));
                return map;
            }
            case STRUCT:
            case ENUM: {
                Object descriptor = ((DescriptiveTypeSignature) type).descriptor();
                if (descriptor instanceof Class<?> cls) {
                    return javaType(mapper.constructType(cls), schemas);
                }
                return NODES.objectNode();
            }
            default:
                return NODES.objectNode();
        }
    }

    private static ObjectNode base(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "string":
                return NODES.objectNode().put("type", "string");
            case "boolean":
            case "bool":
                return NODES.objectNode().put("type", "boolean");
            case "int":
            case "int32":
            case "short":
            case "byte":
                return NODES.objectNode().put("type", "integer").put("format", "int32");
            case "long":
            case "int64":
                return NODES.objectNode().put("type", "integer").put("format", "int64");
            case "float":
            case "double":
                return NODES.objectNode().put("type", "number");
            case "binary":
                return NODES.objectNode().put("type", "string").put("contentEncoding", "base64");
            default:
                return NODES.objectNode();
        }
    }

    /** A schema from Jackson's own view of a Java type: what it would read or write, by JSON property name. */
    private ObjectNode javaType(JavaType type, Map<String, ObjectNode> schemas) {
        Class<?> raw = type.getRawClass();
        if (raw == String.class || raw == java.util.UUID.class || raw == java.time.Instant.class
                || CharSequence.class.isAssignableFrom(raw)) {
            return NODES.objectNode().put("type", "string");
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (raw == int.class || raw == Integer.class || raw == short.class || raw == Short.class) {
            return NODES.objectNode().put("type", "integer").put("format", "int32");
        }
        if (raw == long.class || raw == Long.class) {
            return NODES.objectNode().put("type", "integer").put("format", "int64");
        }
        if (Number.class.isAssignableFrom(raw) || raw == double.class || raw == float.class) {
            return NODES.objectNode().put("type", "number");
        }
        if (raw.isEnum()) {
            ObjectNode e = NODES.objectNode().put("type", "string");
            ArrayNode values = e.putArray("enum");
            for (Object constant : raw.getEnumConstants()) {
                values.add(mapper.convertValue(constant, String.class));
            }
            return e;
        }
        if (type.isContainerType() && type.isMapLikeType()) {
            ObjectNode map = NODES.objectNode().put("type", "object");
            map.set("additionalProperties", javaType(type.getContentType(), schemas));
            return map;
        }
        if (type.isArrayType() && raw.getComponentType() == byte.class) {
            return NODES.objectNode().put("type", "string").put("contentEncoding", "base64");
        }
        if (type.isContainerType() || java.util.Optional.class.isAssignableFrom(raw)) {
            JavaType content = type.getContentType() != null ? type.getContentType()
                    : type.containedTypeOrUnknown(0);
            if (java.util.Optional.class.isAssignableFrom(raw)) {
                return javaType(content, schemas);
            }
            ObjectNode array = NODES.objectNode().put("type", "array");
            array.set("items", javaType(content, schemas));
            return array;
        }
        if (raw == Object.class || raw.getName().startsWith("com.fasterxml.jackson.databind")
                || raw.getName().startsWith("com.linecorp.armeria") || raw.isInterface()) {
            return NODES.objectNode();
        }
        String name = raw.getSimpleName();
        if (!schemas.containsKey(name)) {
            ObjectNode object = NODES.objectNode().put("type", "object");
            schemas.put(name, object); // before the properties: a type may refer to itself
            ObjectNode properties = object.putObject("properties");
            BeanDescription bean = mapper.getSerializationConfig().introspect(type);
            List<BeanPropertyDefinition> props = bean.findProperties();
            if (props.isEmpty()) {
                props = mapper.getDeserializationConfig().introspect(type).findProperties();
            }
            for (BeanPropertyDefinition prop : props) {
                properties.set(prop.getName(), javaType(prop.getPrimaryType(), schemas));
            }
        }
        return NODES.objectNode().put("$ref", "#/components/schemas/" + name);
    }

    /** {@code exact:/a/b}, {@code /a/:id} or {@code /a/{id}} as an OpenAPI path template; null for regex and glob routes. */
    static String openApiPath(String pathMapping) {
        String p = pathMapping;
        if (p.startsWith("exact:")) {
            p = p.substring("exact:".length());
        } else if (p.startsWith("regex:") || p.startsWith("glob:") || p.startsWith("prefix:")) {
            return null;
        }
        return PATH_PARAM.matcher(p).replaceAll(r -> "{" + (r.group(1) != null ? r.group(1) : r.group(2)) + "}");
    }

    private static String simpleName(String typeName) {
        return typeName.substring(typeName.lastIndexOf('.') + 1);
    }

    private static DocServicePlugin annotatedPlugin() {
        for (DocServicePlugin plugin : ServiceLoader.load(DocServicePlugin.class, DocServicePlugin.class.getClassLoader())) {
            if (plugin.name().equals("annotated")) {
                return plugin;
            }
        }
        throw new IllegalStateException("Armeria's annotated DocServicePlugin is not on the class path");
    }
}
