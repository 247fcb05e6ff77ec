#!/usr/bin/env python3
"""Writes docs/schema/inventory.v1.schema.json (JSON Schema 2020-12 for `xpubench probe --format json`).
usage: cd docs/schema && python3 ../../scripts/gen_inventory_schema.py
Every field it allows must be documented in docs/schema.md (tests/cli/check_schema.py checks)."""
import json
S = lambda **k: {"type": "string", **k}
I = lambda **k: {"type": "integer", "minimum": 0, **k}
N = lambda **k: {"type": "number", **k}
B = lambda: {"type": "boolean"}
A = lambda items, **k: {"type": "array", "items": items, **k}
R = lambda name: {"$ref": "#/$defs/" + name}
def obj(props, optional=()):
    return {"type": "object", "additionalProperties": False,
            "required": [k for k in props if k not in optional], "properties": props}
strings = A(S()); ints = A(I())
defs = {}
defs["cache"] = obj(dict(level=I(minimum=1), kind=S(enum=["data","instruction","unified"]),
    size_bytes=I(), line_bytes=I(), associativity=I(minimum=-1), cores=ints, pus=ints))
defs["numa_node"] = obj(dict(os_index=I(), local_memory_bytes=I(), pus=ints))
defs["topology"] = obj(dict(source=S(pattern="^(live|xml:.+)$"), vendor=S(), model=S(), architecture=S(),
    packages=I(), cores=I(), pus=I(), caches=A(R("cache")), numa_nodes=A(R("numa_node")), numa_memory_bytes=I()))
defs["os_memory"] = obj(dict(total_bytes=I(), available_bytes=I(), source=S(), reason=S()), optional=("total_bytes","available_bytes"))
defs["frequency"] = obj(dict(base_mhz=N(exclusiveMinimum=0), max_mhz=N(exclusiveMinimum=0), min_mhz=N(exclusiveMinimum=0),
    current_mhz=N(exclusiveMinimum=0), source=S(), reason=S()), optional=("base_mhz","max_mhz","min_mhz","current_mhz"))
defs["isa_feature"] = obj(dict(name=S(), present=B(), note=S()))
defs["isa"] = obj(dict(family=S(enum=["x86","arm","other"]), source=S(), features=A(R("isa_feature")),
    present=strings, sve_vector_bits=I(minimum=128),
    cpuid=obj(dict(vendor=S(), family=I(minimum=0), model=I(minimum=0)))), optional=("sve_vector_bits", "cpuid"))
defs["cpu"] = obj(dict(topology=R("topology"), memory=R("os_memory"), frequency=R("frequency"), isa=R("isa")))
defs["peak"] = obj(dict(ops_per_s=N(exclusiveMinimum=0), basis=S(pattern="estimate"), ops_per_cycle=N(minimum=0), cores=I(), clock_mhz=N(minimum=0)))
defs["precision_support"] = obj(dict(type=S(enum=["fp32","fp16","bf16","int8","fp64","int32"]), level=S(enum=["native","emulated","unsupported"]),
    reason=S(minLength=1), peak=R("peak"), peak_reason=S()), optional=("peak",))
defs["opencl"] = obj(dict(platform_name=S(), platform_vendor=S(), platform_version=S(), device_version=S(), c_version=S(),
    compute_units=I(), max_clock_mhz=I(), global_memory_bytes=I(), max_alloc_bytes=I(), local_memory_bytes=I(),
    constant_memory_bytes=I(), global_cache_bytes=I(), max_work_group_size=I(), max_work_item_sizes=ints,
    vector_width_char=I(), vector_width_short=I(), vector_width_int=I(), vector_width_long=I(), vector_width_float=I(),
    vector_width_double=I(), vector_width_half=I(), timer_resolution_ns=I(), extensions=strings,
    fp16=B(), fp64=B(), integer_dot_product=B(), subgroups=B(), errors=strings))
defs["vulkan_heap"] = obj(dict(size_bytes=I(), device_local=B()))
defs["coop_shape"] = obj(dict(m=I(), n=I(), k=I(), a_type=S(), b_type=S(), c_type=S(), result_type=S(), scope=S(), saturating=B()))
three = A(I(), minItems=3, maxItems=3)
defs["vulkan"] = obj(dict(api_version=S(pattern=r"^\d+\.\d+\.\d+$"), vendor_id=I(), device_id=I(), driver_name=S(), driver_info=S(),
    heaps=A(R("vulkan_heap")), max_workgroup_size=three, max_workgroup_count=three,
    max_workgroup_invocations=I(), max_shared_memory_bytes=I(), max_storage_buffer_range=I(), timestamp_period_ns=N(minimum=0),
    timestamp_valid_bits=I(maximum=64), compute_queue_families=I(), subgroup_size=I(), min_subgroup_size=I(), max_subgroup_size=I(),
    subgroup_operations=A(S(enum=["basic","vote","arithmetic","ballot","shuffle","shuffle_relative","clustered","quad"])),
    shader_float16=B(), shader_int8=B(), shader_int16=B(), shader_float64=B(), storage_16bit=B(), storage_8bit=B(),
    integer_dot_product=B(), integer_dot_product_8bit_accelerated=B(), coop_matrix_khr=B(), coop_matrix_nv=B(),
    coop_matrix_khr_shapes=A(R("coop_shape")), coop_matrix_nv_shapes=A(R("coop_shape")), extensions=strings, errors=strings))
# Backends are the registry's (probe/registry.cpp): names are lower-case words, ids a name and a number.
defs["fact"] = obj(dict(name=S(minLength=1), value=S()))
defs["device"] = obj(dict(id=S(pattern="^[a-z]+[0-9]+$"), backend=S(pattern="^[a-z]+$"), name=S(), vendor=S(),
    type=S(enum=["cpu","gpu","integrated_gpu","discrete_gpu","virtual_gpu","accelerator","other"]), driver_version=S(),
    pci_bus_id=S(pattern=r"^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])?$"),
    precisions=A(R("precision_support"), maxItems=6), opencl=R("opencl"), vulkan=R("vulkan"), facts=A(R("fact")), extensions=strings),
    optional=("opencl","vulkan","facts","extensions"))
defs["power_sensor"] = obj(dict(id=S(), source=S(enum=["rapl","hwmon","nvml"]), kind=S(enum=["energy","power"]),
    unit=S(enum=["uJ","uW","mJ","mW"]), name=S(), path=S(), covers=S(), readable=B(), reason=S(), max_energy_range_uj=I()),
    optional=("max_energy_range_uj",))
defs["power_source"] = obj(dict(name=S(enum=["rapl","hwmon","nvml"]), available=B(), reason=S()))
defs["power"] = obj(dict(sources=A(R("power_source")), sensors=A(R("power_sensor"))))
defs["backend"] = obj(dict(name=S(pattern="^[a-z]+$"), title=S(), available=B(), version=S(), reason=S(), probe_ms=N(minimum=0)),
    optional=("title",))
defs["host"] = obj(dict(hostname=S(), os=S(), kernel=S(), machine=S()))
defs["inventory"] = obj(dict(probed_at=S(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"), probe_ms=N(minimum=0),
    host=R("host"), cpu=R("cpu"), devices=A(R("device"), minItems=1), power=R("power"), backends=A(R("backend"))))
top = obj(dict(schema_version={"const": 1}, kind={"const": "xpubench.inventory"},
               xpubench=obj(dict(version=S(), git_sha=S())), inventory=R("inventory")))
schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://github.com/xpubench/xpubench/docs/schema/inventory.v1.schema.json",
          "title": "xpubench inventory, schema version 1",
          "description": "Written by `xpubench probe --format json`; every field is described in docs/schema.md. "
                         "Readers ignore unknown keys; this schema is strict so that the writer cannot add an undocumented one.",
          **top, "$defs": defs}
json.dump(schema, open("inventory.v1.schema.json", "w"), indent=1)
