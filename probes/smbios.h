/* SMBIOS (DMTF DSP0134) parsing: entry points, the structure table, type 17
 * Memory Device records, and where a DIMM sits (socket, channel) from its
 * locator strings. Pure functions over (buf, len): nothing here opens a
 * file, and nothing reads past len however the table lies (fuzz-friendly). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMBIOS_TYPE_BIOS 0
#define SMBIOS_TYPE_SYSTEM 1
#define SMBIOS_TYPE_BASEBOARD 2
#define SMBIOS_TYPE_MEMORY_ARRAY 16
#define SMBIOS_TYPE_MEMORY_DEVICE 17
#define SMBIOS_TYPE_END 127

struct smbios_version {
	int major, minor, docrev;   /* docrev 0 before 3.0 */
	uint64_t table_address;
	uint32_t table_max_len;
};

/* An "_SM3_" (3.x), "_SM_" (2.1+) or legacy "_DMI_" entry point, as in
 * sys/firmware/dmi/tables/smbios_entry_point. 0, or -EBADMSG when it is
 * none of those, truncated, or its checksum is wrong. */
int smbios_entry_point_parse(const uint8_t *buf, size_t len, struct smbios_version *ret);

struct smbios_structure {
	uint8_t type;
	uint8_t length;             /* formatted area, 4-byte header included */
	uint16_t handle;
	const uint8_t *data;        /* formatted area: data[0] is the type */
	const char *strings;        /* string set, each string NUL-terminated */
	size_t strings_len;         /* bytes up to the set's final NUL */
};

/* The structure at *offset; *offset moves past it. 1: one was read; 0: the
 * end (type 127, or no room for another header); -EBADMSG: a structure
 * shorter than its header, or one whose formatted area or string set
 * runs past len. */
int smbios_next(const uint8_t *buf, size_t len, size_t *offset, struct smbios_structure *ret);

/* String number index (1-based) of s; NULL for 0 or past the set. */
const char *smbios_string(const struct smbios_structure *s, uint8_t index);

/* Fields of the formatted area; false when off (and its width) lie past
 * the structure's length, so a field absent in an older version reads as
 * absent. */
bool smbios_u8(const struct smbios_structure *s, size_t off, uint8_t *ret);
bool smbios_u16(const struct smbios_structure *s, size_t off, uint16_t *ret);
bool smbios_u32(const struct smbios_structure *s, size_t off, uint32_t *ret);

/* Memory technology (type 17 offset 0x28, SMBIOS 3.2). */
enum {
	SMBIOS_TECH_OTHER = 1,
	SMBIOS_TECH_UNKNOWN = 2,
	SMBIOS_TECH_DRAM = 3,
	SMBIOS_TECH_NVDIMM_N = 4,
	SMBIOS_TECH_NVDIMM_F = 5,
	SMBIOS_TECH_NVDIMM_P = 6,
	SMBIOS_TECH_OPTANE = 7,
};

/* Physical memory array use (type 16 offset 0x05). */
#define SMBIOS_ARRAY_USE_SYSTEM 0x03

struct smbios_memory_device {
	uint16_t array_handle;      /* 0xFFFE: none given */
	const char *locator, *bank; /* into the table, or NULL */
	bool installed;             /* size is not 0 */
	bool size_known;            /* installed, and not 0xFFFF */
	uint64_t size_bytes;        /* 0 unless size_known */
	uint8_t type;               /* memory type code (0x22 DDR5), 0 absent */
	uint8_t technology;         /* 0 absent (before SMBIOS 3.2) */
	uint16_t data_width;        /* bits, 0 unknown */
	uint32_t speed_mts;         /* rated, 0 unknown */
	uint32_t configured_mts;    /* as the firmware set it up, 0 unknown */
	const char *manufacturer, *serial, *part_number;  /* into the table, or NULL */
};

/* Which machine it is: type 0 (BIOS), 1 (system) and 2 (baseboard)
 * strings, pointing into the table; NULL where absent. */
struct smbios_identity {
	const char *bios_vendor, *bios_version, *bios_date;
	const char *sys_vendor, *product, *sys_version, *sys_serial;
	const char *board_vendor, *board_name, *board_serial;
};

/* Fill the members s's type carries (0, 1 or 2); others are left as they
 * are. -EINVAL for another type. */
int smbios_identity_parse(const struct smbios_structure *s, struct smbios_identity *id);

/* A type 17 record. -EINVAL when s is another type or shorter than the
 * SMBIOS 2.1 layout (0x15 bytes). */
int smbios_memory_device_parse(const struct smbios_structure *s, struct smbios_memory_device *ret);
/* "DDR5", "LPDDR5", ... for a memory type code; NULL for other/unknown. */
const char *smbios_memory_type_name(uint8_t type);
/* "NVDIMM-N", "Intel Optane persistent memory", ...; NULL when unknown. */
const char *smbios_memory_technology_name(uint8_t technology);
/* True unless the record says it is not plain DRAM: a technology other
 * than DRAM (other and unknown count as DRAM), or the "logical
 * non-volatile device" memory type. */
bool smbios_memory_is_dram(const struct smbios_memory_device *d);

/* Socket and channel of a DIMM slot from its locator and bank locator
 * (either may be NULL), as the firmware spells them:
 *   bank "P0 CHANNEL A", "P0_Node0_Channel0_Dimm0", "P1 CH 3"
 *   locator "CPU1_DIMM_A1", "CPU0_DIMMA1", "DIMM_P0_A0", "P1-DIMMA1",
 *   "P0_DIMM_C1", "PROC 1 DIMM 3", "Node0_Dimm0", "ChannelA-DIMM0",
 *   "DIMM_B2" (one socket), "SOCKET 0 CHANNEL 2 DIMM 0", "CPU0_CH1_DIMM0"
 * Channels letters count from A = 0; socket numbers are returned as
 * written (the caller knows whether a table counts from 1). Each
 * unknown is UNKNOWN (-1). */
void smbios_locator_position(const char *locator, const char *bank, int *socket, int *channel);
