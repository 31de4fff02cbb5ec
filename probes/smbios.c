/* SMBIOS parsing (see smbios.h): entry points, the structure walk, type 17
 * Memory Device records and DIMM locators. Every read is checked against
 * the buffer's length, and fields are taken only where the record's own
 * length covers them: a field an older version lacks reads as absent. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/smbios.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool checksum_ok(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

/* 3.0: 24 bytes, length at 6, version 7..9, max size at 0x0C, address 0x10. */
static int parse_sm3(const uint8_t *buf, size_t len, struct smbios_version *ret)
{
	size_t eplen;

	if (len < 0x18)
		return -EBADMSG;
	eplen = buf[6];
	if (eplen < 0x18 || eplen > len || !checksum_ok(buf, eplen))
		return -EBADMSG;
	*ret = (struct smbios_version){
		.major = buf[7], .minor = buf[8], .docrev = buf[9],
		.table_max_len = le32(buf + 0x0C), .table_address = le64(buf + 0x10),
	};
	return 0;
}

/* 2.1+: 31 bytes (some firmware says 30), length at 5, version 6..7, and
 * an intermediate "_DMI_" anchor at 0x10 holding the table's size and
 * address. */
static int parse_sm2(const uint8_t *buf, size_t len, struct smbios_version *ret)
{
	size_t eplen;

	if (len < 0x1F)
		return -EBADMSG;
	eplen = buf[5];
	if (eplen < 0x1E || eplen > len || memcmp(buf + 0x10, "_DMI_", 5) != 0)
		return -EBADMSG;
	if (!checksum_ok(buf, eplen) || !checksum_ok(buf + 0x10, 0x0F))
		return -EBADMSG;
	*ret = (struct smbios_version){
		.major = buf[6], .minor = buf[7],
		.table_max_len = le16(buf + 0x16), .table_address = le32(buf + 0x18),
	};
	return 0;
}

/* Legacy DMI 2.0: 15 bytes, BCD revision at 0x0E. */
static int parse_dmi(const uint8_t *buf, size_t len, struct smbios_version *ret)
{
	if (len < 0x0F || !checksum_ok(buf, 0x0F))
		return -EBADMSG;
	*ret = (struct smbios_version){
		.major = buf[0x0E] >> 4, .minor = buf[0x0E] & 0x0F,
		.table_max_len = le16(buf + 0x06), .table_address = le32(buf + 0x08),
	};
	return 0;
}

int smbios_entry_point_parse(const uint8_t *buf, size_t len, struct smbios_version *ret)
{
	if (!buf)
		return -EBADMSG;
	if (len >= 5 && !memcmp(buf, "_SM3_", 5))
		return parse_sm3(buf, len, ret);
	if (len >= 4 && !memcmp(buf, "_SM_", 4))
		return parse_sm2(buf, len, ret);
	if (len >= 5 && !memcmp(buf, "_DMI_", 5))
		return parse_dmi(buf, len, ret);
	return -EBADMSG;
}

int smbios_next(const uint8_t *buf, size_t len, size_t *offset, struct smbios_structure *ret)
{
	size_t off = *offset, end;
	uint8_t slen;

	if (!buf || off >= len || len - off < 4)
		return 0;
	slen = buf[off + 1];
	if (slen < 4 || slen > len - off)
		return -EBADMSG;
	/* The string set ends at the first double NUL after the formatted area. */
	for (end = off + slen; end + 1 < len; end++)
		if (buf[end] == 0 && buf[end + 1] == 0)
			break;
	if (end + 1 >= len)
		return -EBADMSG;
	*ret = (struct smbios_structure){
		.type = buf[off], .length = slen, .handle = le16(buf + off + 2),
		.data = buf + off, .strings = (const char *)buf + off + slen,
		.strings_len = end - (off + slen),
	};
	*offset = end + 2;
	return ret->type == SMBIOS_TYPE_END ? 0 : 1;
}

const char *smbios_string(const struct smbios_structure *s, uint8_t index)
{
	size_t pos = 0;

	if (index == 0)
		return NULL;
	/* strings[strings_len] is the NUL that ends the set, so every string
	 * found before it is NUL-terminated inside the buffer. */
	while (pos < s->strings_len) {
		size_t n = strnlen(s->strings + pos, s->strings_len - pos);

		if (n == 0)
			return NULL;
		if (--index == 0)
			return s->strings + pos;
		pos += n + 1;
	}
	return NULL;
}

bool smbios_u8(const struct smbios_structure *s, size_t off, uint8_t *ret)
{
	if (off + 1 > s->length)
		return false;
	*ret = s->data[off];
	return true;
}

bool smbios_u16(const struct smbios_structure *s, size_t off, uint16_t *ret)
{
	if (off + 2 > s->length)
		return false;
	*ret = le16(s->data + off);
	return true;
}

bool smbios_u32(const struct smbios_structure *s, size_t off, uint32_t *ret)
{
	if (off + 4 > s->length)
		return false;
	*ret = le32(s->data + off);
	return true;
}

/* Size word at 0x0C: 0 empty, 0xFFFF unknown, bit 15 set: KiB, else MiB;
 * 0x7FFF: the extended size dword at 0x1C (SMBIOS 2.7) in MiB. */
static void parse_size(const struct smbios_structure *s, struct smbios_memory_device *d)
{
	uint16_t size = 0;
	uint32_t ext;

	smbios_u16(s, 0x0C, &size);
	d->installed = size != 0;
	if (size == 0 || size == 0xFFFF)
		return;
	if (size == 0x7FFF) {
		if (!smbios_u32(s, 0x1C, &ext))
			return;
		d->size_bytes = (uint64_t)(ext & 0x7FFFFFFF) << 20;
	} else if (size & 0x8000) {
		d->size_bytes = (uint64_t)(size & 0x7FFF) << 10;
	} else {
		d->size_bytes = (uint64_t)size << 20;
	}
	d->size_known = d->size_bytes != 0;
}

/* A speed word (MT/s; 0 unknown); 0xFFFF: the extended dword (SMBIOS 3.3). */
static uint32_t parse_speed(const struct smbios_structure *s, size_t off, size_t ext_off)
{
	uint16_t speed;
	uint32_t ext;

	if (!smbios_u16(s, off, &speed))
		return 0;
	if (speed != 0xFFFF)
		return speed;
	return smbios_u32(s, ext_off, &ext) ? ext & 0x7FFFFFFF : 0;
}

static const char *string_at(const struct smbios_structure *s, size_t off)
{
	uint8_t index;

	return smbios_u8(s, off, &index) ? smbios_string(s, index) : NULL;
}

int smbios_memory_device_parse(const struct smbios_structure *s, struct smbios_memory_device *ret)
{
	struct smbios_memory_device d = {.array_handle = 0xFFFE};
	uint16_t width = 0;

	if (s->type != SMBIOS_TYPE_MEMORY_DEVICE || s->length < 0x15)
		return -EINVAL;
	smbios_u16(s, 0x04, &d.array_handle);
	smbios_u16(s, 0x0A, &width);
	d.data_width = width == 0xFFFF ? 0 : width;
	parse_size(s, &d);
	d.locator = string_at(s, 0x10);
	d.bank = string_at(s, 0x11);
	smbios_u8(s, 0x12, &d.type);
	d.speed_mts = parse_speed(s, 0x15, 0x54);
	d.configured_mts = parse_speed(s, 0x20, 0x58);
	smbios_u8(s, 0x28, &d.technology);
	d.manufacturer = string_at(s, 0x17);
	d.serial = string_at(s, 0x18);
	d.part_number = string_at(s, 0x1A);
	*ret = d;
	return 0;
}

/* Types 1 and 2 start alike: manufacturer, product, version, serial. */
static void maker_strings(const struct smbios_structure *s, const char **maker, const char **product,
			  const char **version, const char **serial)
{
	*maker = string_at(s, 0x04);
	*product = string_at(s, 0x05);
	if (version)
		*version = string_at(s, 0x06);
	*serial = string_at(s, 0x07);
}

int smbios_identity_parse(const struct smbios_structure *s, struct smbios_identity *id)
{
	switch (s->type) {
	case SMBIOS_TYPE_BIOS:
		id->bios_vendor = string_at(s, 0x04);
		id->bios_version = string_at(s, 0x05);
		id->bios_date = string_at(s, 0x08);
		return 0;
	case SMBIOS_TYPE_SYSTEM:
		maker_strings(s, &id->sys_vendor, &id->product, &id->sys_version, &id->sys_serial);
		return 0;
	case SMBIOS_TYPE_BASEBOARD:
		maker_strings(s, &id->board_vendor, &id->board_name, NULL, &id->board_serial);
		return 0;
	default:
		return -EINVAL;
	}
}

const char *smbios_memory_type_name(uint8_t type)
{
	static const char *const names[] = {
		[0x03] = "DRAM", [0x04] = "EDRAM", [0x05] = "VRAM", [0x06] = "SRAM",
		[0x07] = "RAM", [0x08] = "ROM", [0x09] = "Flash", [0x0A] = "EEPROM",
		[0x0B] = "FEPROM", [0x0C] = "EPROM", [0x0D] = "CDRAM", [0x0E] = "3DRAM",
		[0x0F] = "SDRAM", [0x10] = "SGRAM", [0x11] = "RDRAM", [0x12] = "DDR",
		[0x13] = "DDR2", [0x14] = "DDR2 FB-DIMM", [0x18] = "DDR3", [0x19] = "FBD2",
		[0x1A] = "DDR4", [0x1B] = "LPDDR", [0x1C] = "LPDDR2", [0x1D] = "LPDDR3",
		[0x1E] = "LPDDR4", [0x1F] = "Logical non-volatile device", [0x20] = "HBM",
		[0x21] = "HBM2", [0x22] = "DDR5", [0x23] = "LPDDR5", [0x24] = "HBM3",
	};

	return type < ARRAY_SIZE(names) ? names[type] : NULL;
}

const char *smbios_memory_technology_name(uint8_t technology)
{
	static const char *const names[] = {
		[SMBIOS_TECH_OTHER] = "other", [SMBIOS_TECH_DRAM] = "DRAM",
		[SMBIOS_TECH_NVDIMM_N] = "NVDIMM-N", [SMBIOS_TECH_NVDIMM_F] = "NVDIMM-F",
		[SMBIOS_TECH_NVDIMM_P] = "NVDIMM-P",
		[SMBIOS_TECH_OPTANE] = "Intel Optane persistent memory",
	};

	return technology < ARRAY_SIZE(names) ? names[technology] : NULL;
}

bool smbios_memory_is_dram(const struct smbios_memory_device *d)
{
	if (d->type == 0x1F)
		return false;
	return d->technology == 0 || d->technology == SMBIOS_TECH_OTHER ||
	       d->technology == SMBIOS_TECH_UNKNOWN || d->technology == SMBIOS_TECH_DRAM;
}

/* A locator split into runs of letters (upper-cased) and of digits:
 * "P0_Node0_Channel0_Dimm0" -> P 0 NODE 0 CHANNEL 0 DIMM 0. */
struct loc_token {
	char text[24];
	bool digits;
};

static size_t locator_tokens(const char *s, struct loc_token *t, size_t max)
{
	size_t n = 0;

	while (s && *s && n < max) {
		bool digit = isdigit((unsigned char)*s);
		size_t k = 0;

		if (!digit && !isalpha((unsigned char)*s)) {
			s++;
			continue;
		}
		while (*s && (digit ? isdigit((unsigned char)*s) : isalpha((unsigned char)*s))) {
			if (k + 1 < sizeof(t[n].text))
				t[n].text[k++] = (char)toupper((unsigned char)*s);
			s++;
		}
		t[n].text[k] = '\0';
		t[n].digits = digit;
		n++;
	}
	return n;
}

static int token_number(const struct loc_token *t)
{
	int v = 0;

	if (!t->digits || strlen(t->text) > 4)
		return UNKNOWN;
	for (const char *p = t->text; *p; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* "A" -> 0 ... "Z" -> 25; with a prefix, "DIMMA" -> 0 for "DIMM". */
static int token_letter(const char *w, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(w, prefix, n) != 0 || !w[n] || w[n + 1])
		return UNKNOWN;
	return isupper((unsigned char)w[n]) ? w[n] - 'A' : UNKNOWN;
}

static bool is_socket_word(const char *w)
{
	static const char *const words[] = {"P", "CPU", "PROC", "PROCESSOR", "SOCKET", "SKT"};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

/* A channel word ("CHANNEL", "CH") and what follows: a number or a letter. */
static int channel_after(const struct loc_token *t, size_t n, size_t *i)
{
	int v;

	if (*i + 1 >= n)
		return UNKNOWN;
	v = t[*i + 1].digits ? token_number(&t[*i + 1]) : token_letter(t[*i + 1].text, "");
	if (v != UNKNOWN)
		(*i)++;
	return v;
}

static void locator_scan(const char *s, int *socket, int *channel)
{
	struct loc_token t[16];
	size_t n = locator_tokens(s, t, ARRAY_SIZE(t));
	int sock = UNKNOWN, node = UNKNOWN, chan = UNKNOWN, l;
	bool context = false;   /* a socket or DIMM word: a bare "A1" is channel A */

	for (size_t i = 0; i < n; i++) {
		const char *w = t[i].text;
		int next = i + 1 < n ? token_number(&t[i + 1]) : UNKNOWN;

		if (t[i].digits)
			continue;
		if (is_socket_word(w) && next != UNKNOWN && sock == UNKNOWN) {
			sock = next;                /* "P0", "CPU1", "PROC 2" */
			context = true;
			i++;
		} else if (!strcmp(w, "NODE") && next != UNKNOWN) {
			node = next;
			i++;
		} else if (!strcmp(w, "CHANNEL") || !strcmp(w, "CH")) {
			chan = channel_after(t, n, &i);
		} else if ((l = token_letter(w, "CHANNEL")) != UNKNOWN || (l = token_letter(w, "CH")) != UNKNOWN) {
			chan = l;                   /* "ChannelA" */
		} else if (!strcmp(w, "DIMM")) {
			context = true;
		} else if ((l = token_letter(w, "DIMM")) != UNKNOWN) {
			if (chan == UNKNOWN)
				chan = l;           /* "DIMMA1" */
			context = true;
		} else if ((l = token_letter(w, "")) != UNKNOWN && context && next != UNKNOWN && chan == UNKNOWN) {
			chan = l;                   /* "DIMM_P0_A0", "CPU1_DIMM_A1" */
			i++;
		}
	}
	*socket = sock != UNKNOWN ? sock : node;
	*channel = chan;
}

void smbios_locator_position(const char *locator, const char *bank, int *socket, int *channel)
{
	int bs, bc, ls, lc;

	locator_scan(bank, &bs, &bc);
	locator_scan(locator, &ls, &lc);
	/* A bank locator naming the channel ("P0 CHANNEL A") is the firmware's
	 * own map; otherwise the slot's name, with the bank filling gaps. */
	if (bc != UNKNOWN) {
		*socket = bs != UNKNOWN ? bs : ls;
		*channel = bc;
	} else {
		*socket = ls != UNKNOWN ? ls : bs;
		*channel = lc;
	}
}
